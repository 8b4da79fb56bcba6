import { messages } from "../define";

// The Account Dashboard: its tiles, the invoice-totals chart and the Transaction History table. The notes
// under the table say what the help centre's article says about the Balance column and older records.
export const dashboard = messages(
  {
    "dashboard.account": "{name}, account number {number}",

    "dashboard.balance.title": "Current Balance",
    "dashboard.balance.due": "Due date: {date}",
    "dashboard.balance.nothingDue": "Nothing is due.",
    "dashboard.balance.credit": "{amount} credit",
    "dashboard.balance.creditNote": "Your account has a credit that will be applied to future invoices.",
    "dashboard.balance.pay": "Make a Payment",

    "dashboard.lastPayment.title": "Last Payment",
    "dashboard.lastPayment.date": "Paid on {date}",
    "dashboard.lastPayment.method": "Payment method: {method}",
    "dashboard.lastPayment.none": "No payment has been received yet.",

    "dashboard.address.title": "Billing Address",
    "dashboard.address.edit": "Edit Profile",
    "dashboard.address.editHint": "Update the billing address, time zone or billing contacts.",

    "dashboard.chart.title": "Invoice totals, last 24 months",
    "dashboard.chart.summary":
      "Bar chart of the invoice totals from {first} to {last}. The highest is {highest}, in {highestMonth}. The same figures are in the table below the chart.",
    "dashboard.chart.empty": "No invoice in the last 24 months.",
    "dashboard.chart.showTable": "Show the totals as a table",
    "dashboard.chart.caption": "Invoice totals by month, oldest first",
    "dashboard.chart.month": "Month",
    "dashboard.chart.total": "Invoice total",
    "dashboard.chart.bar": "{month}: {total}",

    "dashboard.history.title": "Transaction History",
    "dashboard.history.caption": "Transaction History, newest first",
    "dashboard.history.id": "Transaction ID",
    "dashboard.history.type": "Transaction Type",
    "dashboard.history.date": "Transaction Date",
    "dashboard.history.description": "Description",
    "dashboard.history.credit": "Credit",
    "dashboard.history.debit": "Debit",
    "dashboard.history.balance": "Balance",
    "dashboard.history.download": "Download",
    "dashboard.history.downloadInvoice": "Download invoice {id} PDF",
    "dashboard.history.downloading": "Your invoice {id} PDF is downloading.",
    "dashboard.history.balanceNote":
      "Always refer to the Current Balance tile for your most current balance. The Balance column does not reflect credits added to future invoices: they appear in this table once the invoice they apply to is finalized and posted to your account.",
    "dashboard.history.olderNote":
      "The table shows up to 24 months of transactions. For anything older, including invoice PDFs, contact the billing team at {billingEmail} or {billingPhone}.",
    "dashboard.history.shown": "Page {page}: {count} transactions.",
    "dashboard.history.shownOne": "Page {page}: 1 transaction.",
    "dashboard.history.empty": "No transaction matches these filters.",

    "dashboard.filters.title": "Filter the transactions",
    "dashboard.filters.type": "Transaction type",
    "dashboard.filters.typeHint": "With none checked, every type is shown.",
    "dashboard.filters.invoice": "Invoice",
    "dashboard.filters.payment": "Payment",
    "dashboard.filters.credit": "Credit",
    "dashboard.filters.refund": "Refund",
    "dashboard.filters.dates": "Transaction date",
    "dashboard.filters.from": "From",
    "dashboard.filters.to": "To",
    "dashboard.filters.datesReversed": "The end date must be on or after the start date.",
    "dashboard.filters.apply": "Apply filters",
    "dashboard.filters.clear": "Clear filters",

    "dashboard.pager.label": "Transaction History pages",
    "dashboard.pager.size": "Rows per page",
    "dashboard.pager.previous": "Previous page",
    "dashboard.pager.next": "Next page",
    "dashboard.pager.page": "Page {page}",
  },
  {
    "dashboard.account": "{name}, numéro de compte {number}",

    "dashboard.balance.title": "Solde actuel",
    "dashboard.balance.due": "Date d'échéance : {date}",
    "dashboard.balance.nothingDue": "Aucun montant n'est dû.",
    "dashboard.balance.credit": "Crédit de {amount}",
    "dashboard.balance.creditNote": "Votre compte a un crédit qui sera appliqué aux prochaines factures.",
    "dashboard.balance.pay": "Effectuer un paiement",

    "dashboard.lastPayment.title": "Dernier paiement",
    "dashboard.lastPayment.date": "Payé le {date}",
    "dashboard.lastPayment.method": "Mode de paiement : {method}",
    "dashboard.lastPayment.none": "Aucun paiement n'a encore été reçu.",

    "dashboard.address.title": "Adresse de facturation",
    "dashboard.address.edit": "Modifier le profil",
    "dashboard.address.editHint": "Mettez à jour l'adresse de facturation, le fuseau horaire ou les contacts de facturation.",

    "dashboard.chart.title": "Total des factures des 24 derniers mois",
    "dashboard.chart.summary":
      "Graphique à barres du total des factures de {first} à {last}. Le plus élevé est de {highest}, en {highestMonth}. Les mêmes montants figurent dans le tableau sous le graphique.",
    "dashboard.chart.empty": "Aucune facture au cours des 24 derniers mois.",
    "dashboard.chart.showTable": "Afficher les totaux sous forme de tableau",
    "dashboard.chart.caption": "Total des factures par mois, du plus ancien au plus récent",
    "dashboard.chart.month": "Mois",
    "dashboard.chart.total": "Total facturé",
    "dashboard.chart.bar": "{month} : {total}",

    "dashboard.history.title": "Historique des transactions",
    "dashboard.history.caption": "Historique des transactions, de la plus récente à la plus ancienne",
    "dashboard.history.id": "Numéro de transaction",
    "dashboard.history.type": "Type de transaction",
    "dashboard.history.date": "Date de transaction",
    "dashboard.history.description": "Description",
    "dashboard.history.credit": "Crédit",
    "dashboard.history.debit": "Débit",
    "dashboard.history.balance": "Solde",
    "dashboard.history.download": "Télécharger",
    "dashboard.history.downloadInvoice": "Télécharger la facture {id} en PDF",
    "dashboard.history.downloading": "Le PDF de votre facture {id} est en cours de téléchargement.",
    "dashboard.history.balanceNote":
      "Consultez toujours la tuile Solde actuel pour connaître votre solde le plus à jour. La colonne Solde ne tient pas compte des crédits ajoutés aux factures à venir : ils apparaissent dans ce tableau une fois que la facture à laquelle ils s'appliquent est finalisée et portée à votre compte.",
    "dashboard.history.olderNote":
      "Le tableau présente jusqu'à 24 mois de transactions. Pour toute transaction plus ancienne, y compris les factures en PDF, communiquez avec l'équipe de facturation au {billingEmail} ou au {billingPhone}.",
    "dashboard.history.shown": "Page {page} : {count} transactions.",
    "dashboard.history.shownOne": "Page {page} : 1 transaction.",
    "dashboard.history.empty": "Aucune transaction ne correspond à ces filtres.",

    "dashboard.filters.title": "Filtrer les transactions",
    "dashboard.filters.type": "Type de transaction",
    "dashboard.filters.typeHint": "Si aucune case n'est cochée, tous les types sont affichés.",
    "dashboard.filters.invoice": "Facture",
    "dashboard.filters.payment": "Paiement",
    "dashboard.filters.credit": "Crédit",
    "dashboard.filters.refund": "Remboursement",
    "dashboard.filters.dates": "Date de transaction",
    "dashboard.filters.from": "Du",
    "dashboard.filters.to": "Au",
    "dashboard.filters.datesReversed": "La date de fin doit être identique ou postérieure à la date de début.",
    "dashboard.filters.apply": "Appliquer les filtres",
    "dashboard.filters.clear": "Effacer les filtres",

    "dashboard.pager.label": "Pages de l'historique des transactions",
    "dashboard.pager.size": "Lignes par page",
    "dashboard.pager.previous": "Page précédente",
    "dashboard.pager.next": "Page suivante",
    "dashboard.pager.page": "Page {page}",
  },
);
