//! `projekt-test-server`: a scriptable HTTP/1.1 server for the projekt-client
//! browser tests. Only the standard library (plus `serde_json`).
//!
//! Every API path is `/s/{scope}/...` (`scope` = `[A-Za-z0-9_-]{1,64}`); each
//! scope has its own request log, counters and resources, so every test picks
//! a unique scope and uses `http://127.0.0.1:PORT/s/<scope>` as its base URL.
//! All responses carry CORS headers; `OPTIONS` with
//! `Access-Control-Request-Method` is a preflight (204, never logged).
//!
//! Routes (relative to `/s/{scope}`):
//!
//! | route | behaviour |
//! |---|---|
//! | `GET __log`, `GET __counts`, `GET __faults`, `ANY __reset` | the scope's log / counters (`total`, `by_path`, `rate_limited`, `posts`, `faults`) / `/fault` responses per request key / forget the scope. Also `/__log?scope=X` etc., `/__health` and `/__faultplan?seed=S&from=F&n=N` (the fault names `/fault` picks for `i` = F…F+N−1) outside scopes |
//! | `ANY echo` | the request as JSON |
//! | `ANY status/{code}` | that status; `body=envelope\|html\|empty\|truncated\|text\|notstring\|array\|big\|wrongtype\|custom`, `msg=org\|session\|<text>`, `allow=`, `reset=`, `retry_after=`, `retry_after_date=<secs>`, `remaining=`, `limit=`, `etag=`, `cache_control=`, `location=`, `nostore=1`, `errors=<json>`, `echo_token=1`, `delay_ms=` |
//! | `ANY flaky/{key}?fail=N&code=C` | first N requests like `status/C`, then `{"ok":true,"attempt":k}` (201 for POST) |
//! | `GET slow?ms=`, `GET slowbody?ms=` | late response / late body |
//! | `GET drop`, `GET dropbody` | connection closed with no response / after 10 of 1000 bytes |
//! | `GET json?kb=`, `empty200`, `empty200chunked`, `notjson`, `nocontent` | body shapes |
//! | `items`, `items/{id}` | ETag'd CRUD (`weak=1`, `nostore=1`, `noetag=1`, `If-None-Match`, `If-Match` → 412) |
//! | `GET etag304` | 304 whenever `If-None-Match` is sent |
//! | `ANY ratelimit/{key}?limit=L&reset=S` | L requests per window, then 429 until S s after the first 429 |
//! | `POST validate` | 422 with field errors, or 201 |
//! | `GET pages/{cursor,next,numbered,totalpages,link,buggy}` | 20 items, `per_page` (5); ETag'd (304s keep `Link` unless `bare304=1`); `delay_ms=`; `next_as=url\|path` for `next` |
//! | `versioned/{key}`, `POST versioned/{key}/bump` | optimistic locking (409, or 412 with `mode=412`) |
//! | `ANY token-echo` | 401 echoing the bearer token |
//! | `ANY fault[/…]?seed=S&i=I[&kind=NAME][&req=K][&heal=H][&etag=1][&pad=N]` | deterministic misbehaviour, named in `X-Fault`; per-key log (`__faults`), `ok` after H responses for the key, ETag/304 on `ok` GETs, padded bodies (see `fault.rs`) |
//! | `GET /__hits` (outside scopes) | `{"hits": N, "seen": [...]}`: every request this server received but these, preflights included (the decoy's proof that nothing reached it) |
//! | `GET handoff?link=&next=` | one page (`data: [{id: 1}]`) whose next page is `link` (as `Link: <…>; rel="next"`) and/or `meta.next` |
//! | `GET whoami?delay_ms=&lax304=1` | `{"who": digest of Authorization + X-Org-Id}`, ETag'd; `lax304` answers 304 to any `If-None-Match` |

pub mod fault;
pub mod http;
pub mod resources;
pub mod routes;
pub mod state;
pub mod statics;

use std::io::{self, BufReader, Read, Write};
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use http::{Mode, ReadError, Response};
use state::Server;

/// How long an idle keep-alive connection is kept.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Starts the server on `127.0.0.1:0` in background threads. Returns the port
/// and the accept thread's handle (it runs until the process exits).
///
/// # Panics
/// When binding a local port fails.
pub fn start(static_dirs: Vec<PathBuf>) -> (u16, JoinHandle<()>) {
    start_on(0, static_dirs).expect("bind 127.0.0.1:0")
}

/// Starts the server on `127.0.0.1:port` (0 = any free port).
pub fn start_on(port: u16, static_dirs: Vec<PathBuf>) -> io::Result<(u16, JoinHandle<()>)> {
    start_at(IpAddr::from([127, 0, 0, 1]), port, static_dirs)
}

/// Starts the server on `host:port` (a loopback address: the browser tests
/// run a decoy on `127.0.0.2`, another origin than the API's).
pub fn start_at(
    host: IpAddr,
    port: u16,
    static_dirs: Vec<PathBuf>,
) -> io::Result<(u16, JoinHandle<()>)> {
    if !host.is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the test server listens on loopback addresses only",
        ));
    }
    let listener = TcpListener::bind((host, port))?;
    let port = listener.local_addr()?.port();
    let server = Arc::new(Server::new(port, static_dirs));
    let handle = thread::Builder::new()
        .name("accept".into())
        .spawn(move || {
            for conn in listener.incoming() {
                match conn {
                    Ok(stream) => {
                        let server = Arc::clone(&server);
                        let spawned = thread::Builder::new()
                            .name("conn".into())
                            .spawn(move || serve_connection(&server, stream));
                        if spawned.is_err() {
                            thread::sleep(Duration::from_millis(10));
                        }
                    }
                    // e.g. too many open files: back off instead of spinning.
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        })?;
    Ok((port, handle))
}

/// Answers a request that could not be parsed, then closes.
fn reject(writer: &mut TcpStream, reader: BufReader<TcpStream>, status: u16, msg: &str) {
    let mut resp = Response::error(status, msg);
    resp.close = true;
    if http::write_response(writer, &resp, false, false).is_ok() {
        graceful_close(writer, reader);
    }
}

/// Half-closes and drains what the peer still sends, so that the response is
/// not lost to a TCP reset.
fn graceful_close(writer: &mut TcpStream, mut reader: BufReader<TcpStream>) {
    let _ = writer.flush();
    let _ = writer.shutdown(Shutdown::Write);
    let _ = writer.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 8192];
    let mut total = 0usize;
    while total < 1 << 20 {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

fn serve_connection(server: &Server, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let head = match http::read_head(&mut reader) {
            Ok(h) => h,
            Err(ReadError::Closed | ReadError::Io) => return,
            Err(ReadError::Bad(msg)) => return reject(&mut writer, reader, 400, msg),
            Err(ReadError::TooLarge(code)) => {
                return reject(&mut writer, reader, code, "Request too large")
            }
        };
        if head.expects_continue() && writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
            return;
        }
        let req = match http::read_body(&mut reader, head) {
            Ok(r) => r,
            Err(ReadError::Closed | ReadError::Io) => return,
            Err(ReadError::Bad(msg)) => return reject(&mut writer, reader, 400, msg),
            Err(ReadError::TooLarge(code)) => {
                return reject(&mut writer, reader, code, "Request too large")
            }
        };
        let keep_alive = req.keep_alive();
        let resp = catch_unwind(AssertUnwindSafe(|| routes::handle(server, &req)))
            .unwrap_or_else(|_| Response::error(500, "Internal server error (handler panicked)"));
        let head_only = req.method == "HEAD";
        match http::write_response(&mut writer, &resp, head_only, keep_alive) {
            Ok(true) => {}
            Ok(false) if matches!(resp.mode, Mode::Drop) => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Ok(false) => return graceful_close(&mut writer, reader),
            Err(_) => return,
        }
    }
}
