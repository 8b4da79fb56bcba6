// One Idempotency-Key per payment attempt. Clicking Pay again, or retrying after a lost answer, sends the
// same request with the same key, so the API answers with the first outcome and charges at most once. A
// changed request (another amount or card) is another attempt, and so is a request after a final answer.

export class PaymentAttempts {
  private current: { request: string; key: string } | null = null;

  constructor(private readonly newKey: () => string = () => crypto.randomUUID()) {}

  /** The key for this request (its JSON): the ongoing attempt's while the request is the same. */
  keyFor(request: string): string {
    if (this.current?.request !== request) this.current = { request, key: this.newKey() };
    return this.current.key;
  }

  /** The API gave this attempt its final answer (approved, pending, declined, refused): a next click is a
   * new attempt. Not called when the answer was lost or the API asked to retry (network error, 5xx, 429). */
  finished(): void {
    this.current = null;
  }
}

/** Whether an answer is final for its attempt: anything but a lost answer, a server failure or throttling. */
export function isFinal(status: number | null): boolean {
  return status !== null && status < 500 && status !== 429;
}
