import { Injectable, NotFoundException } from '@nestjs/common';

export interface User {
  id: number;
  email: string;
  name: string;
  active: boolean;
}

/** Stands in for a database table. Tasks receive ids and read fresh rows here ("pass IDs, not objects"). */
@Injectable()
export class UsersService {
  private readonly users = new Map<number, User>(
    [1, 2, 3, 4, 5].map((id) => [id, { id, email: `user${id}@example.com`, name: `User ${id}`, active: id !== 5 }]),
  );

  findOne(id: number): User {
    const user = this.users.get(id);
    if (!user) throw new NotFoundException(`No user ${id}`);
    return user;
  }

  activeIds(): number[] {
    return [...this.users.values()].filter((u) => u.active).map((u) => u.id);
  }
}
