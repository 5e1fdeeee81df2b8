export function startFakeStripe(port?: number): Promise<{ port: number; close: () => Promise<void> }>;
