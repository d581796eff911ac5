// Turns a Rust PageWalker into what `client.paginate()` returns: an async
// iterable of items with `.pages()` for whole pages. Pages are fetched on
// demand, so `break` in a `for await` sends no further request.
export function __pager(walker) {
  let started = false;
  async function* pages() {
    if (started) throw new TypeError("projekt-client: a paginate() result can be iterated once; call paginate() again");
    started = true;
    try {
      for (;;) {
        const page = await walker.next();
        if (page === undefined) return;
        yield page;
      }
    } finally {
      walker.free();
    }
  }
  return {
    pages,
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) yield* page.data;
    },
  };
}
