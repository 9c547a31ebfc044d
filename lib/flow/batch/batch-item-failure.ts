/**
 * Returned at an item's position in a batch method's results: that message fails
 * with `error` (and goes through its own retry policy); the others keep their values.
 */
export class BatchItemFailure {
  private constructor(readonly error: unknown) {}

  static of(error: unknown): BatchItemFailure {
    return new BatchItemFailure(error);
  }
}
