// A status region that is in the page before anything is said in it, so that what appears in it (a user
// added, a profile saved) is read out by screen readers; it shows as a success notice.
export function LiveStatus({ message }: { message: string | null }) {
  return (
    <div role="status" class="live-status">
      {message && <p class="notice notice-success">{message}</p>}
    </div>
  );
}
