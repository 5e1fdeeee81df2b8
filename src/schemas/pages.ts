import { z } from "@hono/zod-openapi";
import type { Page } from "../pagination";
import { integer } from "./fields";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export const pageQuerySchema = z.object({
  page: integer().pipe(z.number().min(1, "Invalid page.")).optional(),
  page_size: integer()
    .pipe(z.number().min(1).max(MAX_PAGE_SIZE, `Ensure this value is less than or equal to ${MAX_PAGE_SIZE}.`))
    .optional(),
});

/** The page a validated query asks for. */
export function requestedPage(query: z.infer<typeof pageQuerySchema>) {
  return { number: query.page ?? 1, size: query.page_size ?? DEFAULT_PAGE_SIZE };
}

/** DRF's paginated body around `item`, named `name` in the OpenAPI document. */
export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      count: z.number().int(),
      next: z.string().nullable(),
      previous: z.string().nullable(),
      results: z.array(item),
    })
    .openapi(name);
}

/** DRF's page-number pagination: `next` and `previous` are the request's URL with another `page`. */
export function serializePage<Row, Item>(page: Page<Row>, requestUrl: string, serialize: (row: Row) => Item) {
  const pageUrl = (n: number) => {
    const url = new URL(requestUrl);
    url.searchParams.set("page", String(n));
    return url.href;
  };
  return {
    count: page.total,
    next: page.number * page.size < page.total ? pageUrl(page.number + 1) : null,
    previous: page.number > 1 ? pageUrl(page.number - 1) : null,
    results: page.rows.map(serialize),
  };
}
