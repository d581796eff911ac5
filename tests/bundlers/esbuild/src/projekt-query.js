// TanStack Query with projekt-client: the recipe of docs/tanstack-query.md,
// as the esbuild fixture's tanstack.html uses it.
//
// The client already retries what may be retried (a 429 within maxDelayMs,
// a 5xx or a network error on an idempotent request, a timeout), so
// TanStack's own retries would multiply its attempts (3 × 4 = 16 requests
// for one failing GET with both defaults) and repeat what must not be
// repeated (a 401, a 422). TanStack retries only:
//   - a RateLimitError whose wait was longer than the client's maxDelayMs
//     (thrown at once with retryAfterMs): once, after that wait;
//   - errors that are not the client's (your own code in queryFn), as usual.
import { isProjektError, isRateLimitError } from "projekt-client/inline";

export function retry(failureCount, error) {
  if (isRateLimitError(error)) return error.retryAfterMs != null && failureCount < 1;
  if (isProjektError(error)) return false;
  return failureCount < 3;
}

export function retryDelay(failureCount, error) {
  if (isRateLimitError(error) && error.retryAfterMs != null) return error.retryAfterMs;
  return Math.min(1000 * 2 ** failureCount, 30_000);
}

/** queryKey [path, query?] → client.get, with TanStack's signal (cancelQueries, unmounts and key changes abort the fetch). */
export const getQuery = (client) => ({ queryKey: [path, query], signal }) => client.get(path, { query, signal });

/** QueryClient defaults: queries use the client's retries; mutations are never retried by TanStack (its default). */
export const projektQueryDefaults = (client) => ({
  queries: { queryFn: getQuery(client), retry, retryDelay },
  mutations: { retry: false },
});
