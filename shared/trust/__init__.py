"""The trust boundary: what a message from Redis may make a process do (docs/security.md).

- `shared.trust.policy`: the inline-spec policy (data and store roots, action hosts, plugins,
  spec variables), with `locations` and `hosts` doing the judging;
- `shared.trust.signing`: HMAC-signed requests;
- `shared.trust.limits`: nesting and size bounds of messages and results;
- `shared.trust.redaction`: secrets out of results, errors, logs and dead letters;
- `shared.trust.provenance`: who asked for a run, and the hash of what ran.

This package imports nothing on import, so low-level modules (logging, env expansion) can
use its leaf modules without import cycles.
"""
