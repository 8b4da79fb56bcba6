// The account's users, oldest first, the top user marked; per row a pencil to edit and a trash can to
// delete, each named for its user ("Edit Jane Doe").
import type { Schemas } from "../../api/client";
import { t } from "../../i18n/i18n";
import { PencilIcon, TrashIcon } from "./icons";
import { languageName, zoneName } from "./places";

type User = Schemas["UserView"];

interface Props {
  users: readonly User[];
  self: string | null;
  onEdit: (user: User) => void;
  onDelete: (user: User) => void;
}

export function UsersTable({ users, self, onEdit, onDelete }: Props) {
  return (
    <div class="table-wrap">
      <table class="users-table">
        {/* The heading and the introduction say it on screen; the caption names the table for screen readers,
            and would be cut off where the table scrolls on a phone. */}
        <caption class="visually-hidden">{t("users.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("users.col.username")}</th>
            <th scope="col">{t("users.col.name")}</th>
            <th scope="col">{t("users.col.timeZone")}</th>
            <th scope="col">{t("users.col.notifications")}</th>
            <th scope="col">{t("users.col.language")}</th>
            <th scope="col">{t("users.col.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => {
            const name = `${user.first_name} ${user.last_name}`;
            return (
              <tr key={user.username}>
                <th scope="row" class="username">
                  {user.username}
                  {user.top_user && <span class="tag">{t("users.topUser")}</span>}
                  {user.username === self && <span class="tag">{t("users.you")}</span>}
                </th>
                <td>{name}</td>
                <td>{zoneName(user.time_zone)}</td>
                <td>{t(user.notifications_enabled ? "users.notificationsOn" : "users.notificationsOff")}</td>
                <td>{languageName(user.language)}</td>
                <td class="row-actions">
                  <button
                    type="button"
                    class="icon-button"
                    data-edit={user.username}
                    aria-label={t("users.edit", { name })}
                    onClick={() => onEdit(user)}
                  >
                    <PencilIcon />
                  </button>
                  <button
                    type="button"
                    class="icon-button delete"
                    data-delete={user.username}
                    aria-label={t("users.delete", { name })}
                    onClick={() => onDelete(user)}
                  >
                    <TrashIcon />
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
