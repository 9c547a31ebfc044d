import type { Logger } from '@nestjs/common';
import { DuplicateScheduleError } from '../errors';
import { resolveSchedule } from '../config/schedules/resolve-schedule';
import type { ScheduleDefinition } from '../config/schedules/schedule-definition';
import type { StoredDefinitions } from '../broker/ports/schedule-store';

/**
 * Every schedule an instance knows: those declared in code (`@Periodic`, `forRoot`),
 * fixed at bootstrap, and the runtime ones read from the store, with the
 * enable/disable switches applied.
 */
export class ScheduleCatalog {
  private readonly declared = new Map<string, ScheduleDefinition>();
  private readonly warned = new Set<string>();

  constructor(
    definitions: readonly ScheduleDefinition[],
    private readonly logger: Logger,
  ) {
    for (const definition of definitions) {
      const first = this.declared.get(definition.name);
      if (first) throw new DuplicateScheduleError(definition.name, first.declaredAt, definition.declaredAt);
      this.declared.set(definition.name, definition);
    }
  }

  /** The schedule declared in code under `name`, if any. */
  declaredIn(name: string): ScheduleDefinition | undefined {
    return this.declared.get(name);
  }

  get declaredSchedules(): ScheduleDefinition[] {
    return [...this.declared.values()];
  }

  /** Code schedules and runtime ones, switches applied; a stored entry that cannot be used is skipped with a warning. */
  merge(stored: StoredDefinitions): ScheduleDefinition[] {
    const all: ScheduleDefinition[] = [];
    const withSwitch = (definition: ScheduleDefinition): ScheduleDefinition => {
      const enabled = stored.switches.get(definition.name);
      return enabled === undefined || enabled === definition.enabled ? definition : { ...definition, enabled };
    };
    for (const definition of this.declared.values()) all.push(withSwitch(definition));
    for (const [name, raw] of stored.entries) {
      if (this.declared.has(name)) {
        this.warnOnce(`${name}:${raw}`, `Stored schedule '${name}' is ignored: a schedule of that name is declared in code`);
        continue;
      }
      try {
        all.push(withSwitch(resolveSchedule(JSON.parse(raw), 'dynamic', `stored schedule '${name}'`)));
      } catch (error) {
        this.warnOnce(`${name}:${raw}`, `Stored schedule '${name}' is ignored: ${(error as Error).message}`);
      }
    }
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(message);
  }
}
