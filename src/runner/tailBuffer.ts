// Keeps the last few kilobytes of a text stream (the worker's stderr, where dbt
// prints), for error messages. Bounded: old text is dropped.
export class TailBuffer {
  private text = '';

  constructor(private readonly maxChars = 16 * 1024) {}

  push(chunk: Buffer | string): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.text.length > this.maxChars * 2) this.text = this.text.slice(-this.maxChars);
  }

  /** The last `lines` lines (default 20), trimmed. */
  tail(lines = 20): string {
    const text = this.text.length > this.maxChars ? this.text.slice(-this.maxChars) : this.text;
    return text.trimEnd().split(/\r?\n/).slice(-lines).join('\n');
  }

  clear(): void {
    this.text = '';
  }
}
