import { Controller, Get } from '@nestjs/common';
import { sampleConfig } from '../config';
import { SAMPLE_PAGES, SAMPLE_TRIES, withoutPassword } from '../links';

/** `GET /`: the sample's links, so the first request of a newcomer does not end in a 404. */
@Controller()
export class HomeController {
  @Get()
  home(): { app: string; broker: string; links: Record<string, string>; try: readonly string[] } {
    const links = Object.fromEntries(Object.entries(SAMPLE_PAGES).map(([name, page]) => [name, page.path]));
    return { app: 'nestjs-tasks sample', broker: withoutPassword(sampleConfig.broker), links, try: SAMPLE_TRIES };
  }
}
