// Manage Users: the account's users oldest first; New User, edit with the pencil, delete with the trash can
// once the person answers Yes. After each change the list is read again and what happened is announced.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

import { api, type Schemas } from "../api/client";
import { DeleteDialog } from "../components/people/DeleteDialog";
import { LiveStatus } from "../components/people/LiveStatus";
import { UserForm } from "../components/people/UserForm";
import { UsersTable } from "../components/people/UsersTable";
import { Notice, PageHeading } from "../components/ui";
import { t } from "../i18n/i18n";
import { loadMe, me } from "../state";
import "./people.css";

type User = Schemas["UserView"];
type Editing = { user: User | null } | null;

/** Focus a control of the page once it is drawn (after a form or dialog closes, or the list changed). */
function focusLater(selector: string): void {
  requestAnimationFrame(() => document.querySelector<HTMLElement>(selector)?.focus());
}

const byUsername = (attribute: string, username: string) => `[${attribute}="${CSS.escape(username)}"]`;

export function ManageUsers() {
  const users = useSignal<User[] | null>(null);
  const loadFailure = useSignal<string | null>(null);
  const editing = useSignal<Editing>(null);
  const deleting = useSignal<User | null>(null);
  const deleteBusy = useSignal(false);
  const status = useSignal<string | null>(null);
  const failure = useSignal<string | null>(null);

  async function load(): Promise<boolean> {
    try {
      const { data, error } = await api.GET("/users");
      if (data) {
        users.value = data.items;
        loadFailure.value = null;
        return true;
      }
      loadFailure.value = error?.message ?? t("shell.error");
    } catch {
      loadFailure.value = t("shell.offline");
    }
    return false;
  }

  useEffect(() => {
    void load();
  }, []);

  function startEditing(user: User | null) {
    status.value = null;
    failure.value = null;
    editing.value = { user };
  }

  function closeForm(user: User | null) {
    editing.value = null;
    focusLater(user ? byUsername("data-edit", user.username) : ".new-user");
  }

  async function saved(user: User, created: boolean) {
    const name = `${user.first_name} ${user.last_name}`;
    editing.value = null;
    await load();
    status.value = created ? t("users.added", { name, username: user.username }) : t("users.updated", { name });
    focusLater(created ? ".new-user" : byUsername("data-edit", user.username));
    // Their own name or language changed: the header and the portal's language follow.
    if (user.username === me.value?.username) void loadMe();
  }

  async function confirmDelete() {
    const user = deleting.value;
    if (!user) return;
    deleteBusy.value = true;
    status.value = null;
    failure.value = null;
    try {
      const { error } = await api.DELETE("/users/{username}", { params: { path: { username: user.username } } });
      deleting.value = null;
      if (error) {
        failure.value = error.message;
        focusLater(byUsername("data-delete", user.username));
        return;
      }
      await load();
      status.value = t("users.deleted", { name: `${user.first_name} ${user.last_name}` });
      focusLater(".new-user");
    } catch {
      deleting.value = null;
      failure.value = t("shell.offline");
    } finally {
      deleteBusy.value = false;
    }
  }

  const list = users.value;
  return (
    <>
      <PageHeading>{t("users.title")}</PageHeading>
      <p>{t("users.intro")}</p>
      <LiveStatus message={status.value} />
      {failure.value && <Notice kind="error">{failure.value}</Notice>}
      {loadFailure.value && <Notice kind="error">{loadFailure.value}</Notice>}
      {editing.value ? (
        <UserForm
          key={editing.value.user?.username ?? "new"}
          user={editing.value.user}
          onSaved={(user, created) => void saved(user, created)}
          onCancel={() => closeForm(editing.value?.user ?? null)}
        />
      ) : (
        <p>
          <button type="button" class="new-user" onClick={() => startEditing(null)}>
            {t("users.new")}
          </button>
        </p>
      )}
      {list === null && !loadFailure.value && <p>{t("shell.loading")}</p>}
      {list && list.length === 0 && <p>{t("users.empty")}</p>}
      {list && list.length > 0 && (
        <UsersTable
          users={list}
          self={me.value?.username ?? null}
          onEdit={(user) => startEditing(user)}
          onDelete={(user) => {
            status.value = null;
            failure.value = null;
            deleting.value = user;
          }}
        />
      )}
      {deleting.value && (
        <DeleteDialog
          user={deleting.value}
          busy={deleteBusy.value}
          onYes={() => void confirmDelete()}
          onNo={() => {
            const user = deleting.value;
            deleting.value = null;
            if (user) focusLater(byUsername("data-delete", user.username));
          }}
        />
      )}
    </>
  );
}
