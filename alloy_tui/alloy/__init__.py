"""The async Alloy client: endpoints, retries, rate limit, errors, request log, OAuth listener."""
