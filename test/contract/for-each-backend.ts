import { backends, type Backend, type BackendFactory, type BackendOptions } from './backends';

export interface BackendContext {
  readonly factory: BackendFactory;
  /** A connected backend in a namespace of its own, closed after the test. */
  open(options?: BackendOptions): Promise<Backend>;
}

/** Declares one role's contract once; it runs on every backend of ./backends. */
export function forEachBackend(role: string, body: (ctx: BackendContext) => void): void {
  describe.each(backends.map((factory) => ({ name: factory.name, factory })))(`${role} contract on $name`, ({ factory }) => {
    const opened: Backend[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((backend) => backend.close()));
    });
    body({
      factory,
      open: async (options) => {
        const backend = await factory.create(options);
        opened.push(backend);
        return backend;
      },
    });
  });
}
