import { afterEach, beforeEach, vi } from 'vitest';

// A console call inside a test run is a failure: the library must report through onError, not
// print. A test that expects output takes it with takeConsoleCalls().
const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const calls: string[] = [];

/** Returns the console calls made so far in this test and forgets them. */
export function takeConsoleCalls(): string[] {
  return calls.splice(0);
}

beforeEach(() => {
  calls.length = 0;
  for (const m of methods) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      calls.push(`console.${m}: ${args.map(String).join(' ').slice(0, 300)}`);
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  if (calls.length > 0) throw new Error(`console was called during the test:\n${calls.join('\n')}`);
});
