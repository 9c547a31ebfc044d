import { Injectable, Logger } from '@nestjs/common';

/** A stand-in for an email provider. */
@Injectable()
export class MailerService {
  private readonly logger = new Logger('Mailer');
  readonly sent: Array<{ to: string; subject: string }> = [];

  async send(to: string, subject: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.sent.push({ to, subject });
    this.logger.log(`sent "${subject}" to ${to}`);
  }
}
