import { NotFound } from "./errors";

/** DRF's page-number pagination: which page, of what size. */
export interface PageRequest {
  number: number;
  size: number;
}

export interface Page<T> extends PageRequest {
  rows: T[];
  /** Rows on every page together (DRF's `count`). */
  total: number;
}

/** Reads one page through `read`; a page past the last is a 404, as in DRF (page 1 may be empty). */
export async function readPage<T>(
  page: PageRequest,
  read: (window: { offset: number; limit: number }) => Promise<{ rows: T[]; total: number }>,
): Promise<Page<T>> {
  const { rows, total } = await read({ offset: (page.number - 1) * page.size, limit: page.size });
  if (page.number > 1 && rows.length === 0) throw new NotFound();
  return { rows, total, ...page };
}
