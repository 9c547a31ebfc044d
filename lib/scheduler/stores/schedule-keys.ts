/** The scheduler's Redis keys, all under `<prefix>:beat:`. They need no queue hash tag. */
export class ScheduleKeys {
  readonly leader: string;
  readonly version: string;
  readonly definitions: string;
  readonly switches: string;
  readonly states: string;
  readonly pending: string;

  constructor(prefix: string) {
    const base = `${prefix}:beat`;
    this.leader = `${base}:leader`;
    this.version = `${base}:version`;
    this.definitions = `${base}:schedules`;
    this.switches = `${base}:enabled`;
    this.states = `${base}:state`;
    this.pending = `${base}:pending`;
  }
}
