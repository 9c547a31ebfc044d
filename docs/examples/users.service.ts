// The services the docs' examples inject (stand-ins for your own).
import { Injectable } from '@nestjs/common';

export interface User {
  id: number;
  email: string;
}

@Injectable()
export class UsersService {
  async findOne(id: number): Promise<User> {
    return { id, email: `user${id}@example.com` };
  }

  async activeIds(): Promise<number[]> {
    return [1, 2, 3];
  }
}

@Injectable()
export class MailerService {
  readonly sent: Array<{ to: string; subject: string }> = [];

  async send(to: string, subject: string): Promise<void> {
    this.sent.push({ to, subject });
  }
}
