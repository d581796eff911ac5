//! `projekt-test-server [--host 127.x.y.z] [--port N] [--static DIR]... [--exit-on-stdin-eof]`

use std::io::{Read, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: projekt-test-server [--host 127.x.y.z] [--port N] [--static DIR]... [--exit-on-stdin-eof]";

fn main() -> ExitCode {
    let mut port: u16 = 0;
    let mut host = IpAddr::from([127, 0, 0, 1]);
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut exit_on_eof = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(name.to_string())
        };
        match flag.as_str() {
            "--port" => match value("--port").ok().and_then(|v| v.parse().ok()) {
                Some(p) => port = p,
                None => return usage("--port needs a number 0..=65535"),
            },
            "--host" => match value("--host").ok().and_then(|v| v.parse::<IpAddr>().ok()) {
                Some(h) if h.is_loopback() => host = h,
                _ => return usage("--host needs a loopback address such as 127.0.0.2"),
            },
            "--static" => match value("--static") {
                Ok(d) => {
                    let d = PathBuf::from(d);
                    if !d.is_dir() {
                        return usage(&format!("--static {}: not a directory", d.display()));
                    }
                    dirs.push(d);
                }
                Err(_) => return usage("--static needs a directory"),
            },
            "--exit-on-stdin-eof" => exit_on_eof = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return usage(&format!("unknown argument {other}")),
        }
    }

    let (port, handle) = match projekt_test_server::start_at(host, port, dirs) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("projekt-test-server: cannot bind {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let shown = match host {
            IpAddr::V6(h) => format!("[{h}]"),
            IpAddr::V4(h) => h.to_string(),
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{shown}:{port}");
        let _ = out.flush();
    }
    if exit_on_eof {
        std::thread::spawn(|| {
            let mut sink = [0u8; 4096];
            let mut stdin = std::io::stdin().lock();
            loop {
                match stdin.read(&mut sink) {
                    Ok(0) | Err(_) => std::process::exit(0),
                    Ok(_) => {}
                }
            }
        });
    }
    let _ = handle.join();
    ExitCode::SUCCESS
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("projekt-test-server: {msg}\n{USAGE}");
    ExitCode::from(2)
}
