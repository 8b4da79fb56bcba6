import { messages } from "../define";

// Signing in: the sign-in page, the first-login password, Forgot Password and the reset with the code.
export const auth = messages(
  {
    "auth.signIn.title": "Sign in",
    "auth.signIn.intro": "Sign in with your username and password.",
    "auth.username": "Username",
    "auth.usernameHint": "Your email address.",
    "auth.password": "Password",
    "auth.showPassword": "Show password",
    "auth.signIn.submit": "Sign in",
    "auth.signIn.working": "Signing in…",
    "auth.signIn.forgot": "Forgot Password?",
    "auth.signIn.firstTime":
      "First time here? Sign in with the temporary password from your invitation email, then choose your own password.",
    "auth.passwordReset": "Your password has been reset. Sign in with your new password.",
    "auth.backToSignIn": "Back to sign in",

    "auth.newPassword.title": "Choose a new password",
    "auth.newPassword.intro":
      "Welcome! For your security, replace the temporary password of {username} with a password of your own.",
    "auth.newPassword.label": "New password",
    "auth.newPassword.submit": "Save my password",
    "auth.newPassword.working": "Saving…",
    "auth.newPassword.missing":
      "This page opens when you sign in for the first time with your temporary password. Sign in first.",

    "auth.rules.title": "Your password must:",
    "auth.rules.length": "contain at least 15 characters",
    "auth.rules.digits": "contain at least 2 digits",
    "auth.rules.case": "include both uppercase and lowercase letters",
    "auth.rules.username": "not contain your username",
    "auth.rules.met": "(met)",
    "auth.rules.unmet": "(not met yet)",
    "auth.rules.notYet": "Your password does not meet every rule yet. Still needed: {rules}.",

    "auth.forgot.title": "Forgot Password",
    "auth.forgot.intro":
      "Enter your username. We will email you a verification code, which lets you choose a new password.",
    "auth.forgot.submit": "Email me a code",
    "auth.forgot.working": "Sending…",
    "auth.forgot.enterCode": "Enter the code",
    "auth.forgot.haveCode": "I already have a code",

    "auth.reset.title": "Reset your password",
    "auth.reset.intro": "Enter the verification code from the email we sent you, then choose a new password.",
    "auth.reset.code": "Verification code",
    "auth.reset.codeHint": "The code from the email we sent you.",
    "auth.reset.submit": "Reset my password",
    "auth.reset.working": "Resetting…",
    "auth.reset.newCode": "No code, or has it expired? Get a new one.",
  },
  {
    "auth.signIn.title": "Connexion",
    "auth.signIn.intro": "Connectez-vous avec votre nom d'utilisateur et votre mot de passe.",
    "auth.username": "Nom d'utilisateur",
    "auth.usernameHint": "Votre adresse courriel.",
    "auth.password": "Mot de passe",
    "auth.showPassword": "Afficher le mot de passe",
    "auth.signIn.submit": "Se connecter",
    "auth.signIn.working": "Connexion en cours…",
    "auth.signIn.forgot": "Mot de passe oublié?",
    "auth.signIn.firstTime":
      "Première visite? Connectez-vous avec le mot de passe temporaire reçu dans votre courriel d'invitation, puis choisissez votre propre mot de passe.",
    "auth.passwordReset":
      "Votre mot de passe a été réinitialisé. Connectez-vous avec votre nouveau mot de passe.",
    "auth.backToSignIn": "Retour à la connexion",

    "auth.newPassword.title": "Choisissez un nouveau mot de passe",
    "auth.newPassword.intro":
      "Bienvenue! Pour votre sécurité, remplacez le mot de passe temporaire de {username} par un mot de passe de votre choix.",
    "auth.newPassword.label": "Nouveau mot de passe",
    "auth.newPassword.submit": "Enregistrer mon mot de passe",
    "auth.newPassword.working": "Enregistrement…",
    "auth.newPassword.missing":
      "Cette page s'ouvre lorsque vous vous connectez pour la première fois avec votre mot de passe temporaire. Connectez-vous d'abord.",

    "auth.rules.title": "Votre mot de passe doit :",
    "auth.rules.length": "contenir au moins 15 caractères",
    "auth.rules.digits": "contenir au moins 2 chiffres",
    "auth.rules.case": "comprendre des lettres majuscules et des lettres minuscules",
    "auth.rules.username": "ne pas contenir votre nom d'utilisateur",
    "auth.rules.met": "(respectée)",
    "auth.rules.unmet": "(pas encore respectée)",
    "auth.rules.notYet": "Votre mot de passe ne respecte pas encore toutes les règles. Règles à respecter encore : {rules}.",

    "auth.forgot.title": "Mot de passe oublié",
    "auth.forgot.intro":
      "Entrez votre nom d'utilisateur. Nous vous enverrons par courriel un code de vérification pour choisir un nouveau mot de passe.",
    "auth.forgot.submit": "M'envoyer un code",
    "auth.forgot.working": "Envoi en cours…",
    "auth.forgot.enterCode": "Entrer le code",
    "auth.forgot.haveCode": "J'ai déjà un code",

    "auth.reset.title": "Réinitialisez votre mot de passe",
    "auth.reset.intro":
      "Entrez le code de vérification reçu dans le courriel que nous vous avons envoyé, puis choisissez un nouveau mot de passe.",
    "auth.reset.code": "Code de vérification",
    "auth.reset.codeHint": "Le code reçu dans le courriel que nous vous avons envoyé.",
    "auth.reset.submit": "Réinitialiser mon mot de passe",
    "auth.reset.working": "Réinitialisation…",
    "auth.reset.newCode": "Pas de code, ou il a expiré? Obtenez-en un nouveau.",
  },
);
