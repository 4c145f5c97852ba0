/**
 * Teeka's error vocabulary. Services throw these; one handler turns them into
 * problem+json (RFC 9457) with a stable code. Messages are written for the caller:
 * they never carry internals or another person's data.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: {
      retryAfterSeconds?: number;
      errors?: { path: string; message: string }[];
      /** Extension members of the problem (RFC 9457 §3.2): stable, non-identifying facts. */
      members?: Record<string, string>;
      /** A refusal the operators chose (a switched-off API): logged as a refusal, not a failure. */
      expected?: boolean;
    } = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class Invalid extends AppError {
  constructor(message: string, code = 'invalid', errors?: { path: string; message: string }[]) {
    super(400, code, message, errors ? { errors } : {});
  }
}

export class Unauthorized extends AppError {
  constructor(message = 'Authentication is required.', code = 'unauthorized') {
    super(401, code, message);
  }
}

export class Forbidden extends AppError {
  constructor(message = 'You may not do this.', code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFound extends AppError {
  constructor(message = 'Not found.', code = 'not-found') {
    super(404, code, message);
  }
}

export class Conflict extends AppError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}

export class RateLimited extends AppError {
  constructor(
    retryAfterSeconds: number,
    message = 'Too many requests; try again later.',
    code = 'rate-limited',
  ) {
    super(429, code, message, { retryAfterSeconds });
  }
}

export class Unavailable extends AppError {
  constructor(message: string, code = 'unavailable', retryAfterSeconds?: number) {
    super(503, code, message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  }
}
