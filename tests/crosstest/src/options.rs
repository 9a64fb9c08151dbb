//! The command lines of `test_server` and `test_client`, as Apache's cross-test runner
//! writes them.
//!
//! Every option is accepted as `--name=value` (what the runner passes) and as
//! `--name value`. Unknown options are errors: a typo must not silently test something else.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use thrift_rt::{ProtocolKind, TransportKind};

/// Where a server listens or a client connects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// TCP: `--host` (clients only) and `--port`.
    Tcp {
        /// The host name or address.
        host: String,
        /// The port.
        port: u16,
    },
    /// `--domain-socket=PATH` (the runner also passes `--port`, which is then ignored).
    Unix(PathBuf),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp { port, .. } => write!(f, "{port}"),
            Endpoint::Unix(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A `--protocol` value: the wire protocol, and whether services are multiplexed
/// (`multi`, `multic`, `multij`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protocol {
    /// The wire protocol underneath.
    pub kind: ProtocolKind,
    /// Whether method names carry a `Service:` prefix.
    pub multiplexed: bool,
}

impl Protocol {
    /// Every protocol name the runner passes, in the order of the test matrix.
    pub const NAMES: [&'static str; 6] = ["binary", "compact", "json", "multi", "multic", "multij"];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match (self.kind, self.multiplexed) {
            (ProtocolKind::Binary, false) => "binary",
            (ProtocolKind::Compact, false) => "compact",
            (ProtocolKind::Json, false) => "json",
            (ProtocolKind::Binary, true) => "multi",
            (ProtocolKind::Compact, true) => "multic",
            (ProtocolKind::Json, true) => "multij",
            (ProtocolKind::Header, false) => "header",
            (ProtocolKind::Header, true) => "multih",
        }
    }

    fn parse(name: &str) -> Result<Self, String> {
        let (kind, multiplexed) = match name {
            "binary" => (ProtocolKind::Binary, false),
            "compact" => (ProtocolKind::Compact, false),
            "json" => (ProtocolKind::Json, false),
            "multi" => (ProtocolKind::Binary, true),
            "multic" => (ProtocolKind::Compact, true),
            "multij" => (ProtocolKind::Json, true),
            "header" => (ProtocolKind::Header, false),
            "multih" => (ProtocolKind::Header, true),
            other => return Err(format!("unknown protocol `{other}`")),
        };
        Ok(Self { kind, multiplexed })
    }
}

/// How the server spreads connections over threads (`--server-type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerType {
    /// One connection at a time.
    Simple,
    /// A thread per connection.
    Threaded,
    /// A fixed pool of `--workers` threads.
    ThreadPool,
}

impl ServerType {
    /// The name used on the command line and in the readiness line.
    pub fn name(self) -> &'static str {
        match self {
            ServerType::Simple => "simple",
            ServerType::Threaded => "threaded",
            ServerType::ThreadPool => "thread-pool",
        }
    }
}

/// `test_server`'s options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerArgs {
    /// Where to listen.
    pub endpoint: Endpoint,
    /// `--protocol`.
    pub protocol: Protocol,
    /// `--transport`.
    pub transport: TransportKind,
    /// `--server-type` (default `thread-pool`: unlike a simple server, one idle or slow
    /// client cannot starve the others).
    pub server_type: ServerType,
    /// `-n` / `--workers`: the thread-pool size.
    pub workers: usize,
    /// `-v` / `--verbose`: log every connection.
    pub verbose: bool,
    /// `--endpoint`: serve through a channel-0 endpoint listener (binary protocol only)
    /// instead of a server. Our extension, not part of Apache's contract.
    pub endpoint_mode: bool,
    /// `--message-timeout-ms`: how long one message may take to arrive from its first byte
    /// (`None`: the server's default, 30 s). Our extension, for the hostile-client suite.
    pub message_timeout: Option<Duration>,
    /// `--ssl` (socket kind `ip-ssl`): the directory of `server.crt`, `server.key` and (to
    /// ask clients for a certificate, optionally) `CA.pem`.
    pub ssl: Option<PathBuf>,
    /// `--one-port`: answer unframed and framed binary and compact clients and THeader
    /// clients on the same port, each in its own dialect (the THeader protocol and transport
    /// whatever `--protocol` and `--transport` say; `multi*` keeps the multiplexing
    /// processor). Our extension.
    pub one_port: bool,
    /// `--transport=http`: Thrift over HTTP (then `transport` is not used).
    pub http: bool,
}

/// `test_client`'s options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientArgs {
    /// Where to connect.
    pub endpoint: Endpoint,
    /// `--protocol`.
    pub protocol: Protocol,
    /// `--transport`.
    pub transport: TransportKind,
    /// `-n` / `--testloops`: how often to run the whole suite.
    pub loops: u32,
    /// `--threads`: how many threads run the loops at once.
    pub threads: u32,
    /// `-v` / `--verbose`: print each check.
    pub verbose: bool,
    /// `--endpoint`: call through a channel-0 endpoint (binary protocol only) instead of a
    /// plain client connection. Our extension, not part of Apache's contract.
    pub endpoint_mode: bool,
    /// `--ssl` (socket kind `ip-ssl`): the directory of `CA.pem` (to verify the server) and
    /// `client.crt` / `client.key` (presented when both exist).
    pub ssl: Option<PathBuf>,
    /// `--header-compact`: THeader calls in the compact protocol (default binary). Ours.
    pub header_compact: bool,
    /// `--header-zlib`: THeader calls compressed with the zlib transform. Ours.
    pub header_zlib: bool,
    /// `--transport=http`: Thrift over HTTP (then `transport` is not used).
    pub http: bool,
    /// `--bench=N`: instead of the suite, time N `testString` calls on one connection and
    /// print the time per call. Ours, for the benchmark report (`bench/peers.py`).
    pub bench: Option<u32>,
}

/// What a command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command<T> {
    /// Run with these options.
    Run(T),
    /// Print the usage text.
    Help,
}

/// `test_server`'s usage text.
pub const SERVER_USAGE: &str = "\
usage: test_server [options]
  --port=N                TCP port on 127.0.0.1 (default 9090)
  --domain-socket=PATH    listen on a Unix socket instead (--port is then ignored)
  --transport=T           buffered (default), framed, fd (framed, Unix socket only), http,
                          or zlib (zlib over buffered; --zlib means the same); with header or
                          multih, THeader on the stream or inside frames
  --protocol=P            binary (default), compact, json, multi, multic, multij, header,
                          multih (THeader; with framed, inside plain frames as Apache's)
  --ssl                   TLS (socket kind ip-ssl): server.crt, server.key and, if present,
                          CA.pem (client certificates asked for, optional) from --keys
  --keys=DIR              the keys directory (default: keys/ beside the program's directory)
  --server-type=S         thread-pool (default), threaded, simple
  -n N, --workers=N       thread-pool size (default 4)
  -v, --verbose           log every connection
  --endpoint              serve through a channel-0 endpoint (binary only; our extension)
  --message-timeout-ms=N  cut off a client whose message takes longer than N ms to arrive
                          from its first byte (default 30000; not with --endpoint; our
                          extension)
  --one-port              answer unframed and framed binary and compact clients and THeader
                          clients on the same port (our extension)
  -h, --help              this text
Stops on SIGHUP, SIGINT or SIGTERM.";

/// `test_client`'s usage text.
pub const CLIENT_USAGE: &str = "\
usage: test_client [options]
  --host=H                server host (default localhost)
  --port=N                server port (default 9090)
  --domain-socket=PATH    connect to a Unix socket instead
  --transport=T           buffered (default), framed, fd (framed, Unix socket only), http,
                          or zlib (zlib over buffered; --zlib means the same); with header or
                          multih, THeader on the stream or inside frames
  --protocol=P            binary (default), compact, json, multi, multic, multij, header,
                          multih (THeader; with framed, inside plain frames as Apache's)
  --ssl                   TLS (socket kind ip-ssl): the server verified against CA.pem (its
                          name must be --host), client.crt and client.key presented if present
  --keys=DIR              the keys directory (default: keys/ beside the program's directory)
  -n N, --testloops=N     run the suite N times (default 1)
  --threads=N             run the loops on N threads at once (default 1)
  -v, --verbose           print every check
  --endpoint              call through a channel-0 endpoint (binary only; our extension)
  --header-compact        THeader calls in the compact protocol (default binary; ours)
  --header-zlib           THeader calls compressed with zlib (ours)
  --bench=N               time N testString calls on one connection instead (ours)
  -h, --help              this text
Exit status: bits 1 base types, 2 structs, 4 containers, 8 exceptions failed;
64 could not start; 128 a call timed out.";

/// Parses `test_server`'s arguments (without the program name).
///
/// # Errors
///
/// A message naming the bad option or value.
pub fn parse_server(args: impl IntoIterator<Item = String>) -> Result<Command<ServerArgs>, String> {
    let mut common = Common::default();
    let mut server_type = ServerType::ThreadPool;
    let mut workers = 4;
    let mut message_timeout = None;
    let mut one_port = false;
    let mut http = false;
    for (name, value) in tokenize(args)? {
        match (name.as_str(), value) {
            ("one-port", None) => one_port = true,
            ("transport", Some(v)) if v == "http" => http = true,
            ("message-timeout-ms", Some(v)) => {
                let ms: u64 = number(&name, &v)?;
                if ms == 0 {
                    return Err("--message-timeout-ms must be at least 1".to_owned());
                }
                message_timeout = Some(Duration::from_millis(ms));
            }
            ("server-type", Some(v)) => {
                server_type = match v.as_str() {
                    "simple" => ServerType::Simple,
                    "threaded" => ServerType::Threaded,
                    "thread-pool" => ServerType::ThreadPool,
                    other => return Err(format!("unknown server type `{other}`")),
                };
            }
            ("workers" | "n", Some(v)) => workers = number(&name, &v)?,
            ("help" | "h", None) => return Ok(Command::Help),
            (_, value) => common.take(&name, value)?,
        }
    }
    if workers == 0 {
        return Err("--workers must be at least 1".to_owned());
    }
    let ssl = common.ssl_keys()?;
    let (endpoint, protocol, mut transport, verbose, endpoint_mode) = common.finish(false)?;
    if endpoint_mode && http {
        return Err("`--endpoint` does not speak HTTP".to_owned());
    }
    if endpoint_mode && ssl.is_some() {
        return Err("`--ssl` does not apply to `--endpoint`".to_owned());
    }
    if endpoint_mode && message_timeout.is_some() {
        return Err("`--message-timeout-ms` does not apply to `--endpoint`".to_owned());
    }
    let mut protocol = protocol;
    if one_port {
        if endpoint_mode {
            return Err("`--one-port` does not apply to `--endpoint`".to_owned());
        }
        protocol.kind = ProtocolKind::Header;
        transport = TransportKind::Header;
    }
    Ok(Command::Run(ServerArgs {
        endpoint,
        protocol,
        transport,
        server_type,
        workers,
        verbose,
        endpoint_mode,
        message_timeout,
        ssl,
        one_port,
        http,
    }))
}

/// Parses `test_client`'s arguments (without the program name).
///
/// # Errors
///
/// A message naming the bad option or value.
pub fn parse_client(args: impl IntoIterator<Item = String>) -> Result<Command<ClientArgs>, String> {
    let mut common = Common::default();
    let mut loops = 1;
    let mut threads = 1;
    let (mut header_compact, mut header_zlib) = (false, false);
    let mut http = false;
    let mut bench = None;
    for (name, value) in tokenize(args)? {
        match (name.as_str(), value) {
            ("bench", Some(v)) => bench = Some(number(&name, &v)?),
            ("header-compact", None) => header_compact = true,
            ("header-zlib", None) => header_zlib = true,
            ("transport", Some(v)) if v == "http" => http = true,
            ("testloops" | "n", Some(v)) => loops = number(&name, &v)?,
            ("threads", Some(v)) => threads = number(&name, &v)?,
            ("help" | "h", None) => return Ok(Command::Help),
            (_, value) => common.take(&name, value)?,
        }
    }
    if threads == 0 {
        return Err("--threads must be at least 1".to_owned());
    }
    let ssl = common.ssl_keys()?;
    let (endpoint, protocol, transport, verbose, endpoint_mode) = common.finish(true)?;
    if endpoint_mode && http {
        return Err("`--endpoint` does not speak HTTP".to_owned());
    }
    if endpoint_mode && ssl.is_some() {
        return Err("`--ssl` does not apply to `--endpoint`".to_owned());
    }
    Ok(Command::Run(ClientArgs {
        endpoint,
        protocol,
        transport,
        loops,
        threads,
        verbose,
        endpoint_mode,
        ssl,
        header_compact,
        header_zlib,
        http,
        bench,
    }))
}

/// The options both programs take.
#[derive(Default)]
struct Common {
    host: Option<String>,
    port: Option<u16>,
    domain_socket: Option<PathBuf>,
    protocol: Option<Protocol>,
    transport: Option<TransportKind>,
    verbose: bool,
    endpoint_mode: bool,
    /// `--zlib`: Apache's runner passes it with `--transport=zlib`.
    zlib: bool,
    ssl: bool,
    keys: Option<PathBuf>,
}

impl Common {
    fn take(&mut self, name: &str, value: Option<String>) -> Result<(), String> {
        match (name, value) {
            ("host", Some(v)) => self.host = Some(v),
            ("port", Some(v)) => self.port = Some(number(name, &v)?),
            ("domain-socket", Some(v)) => self.domain_socket = Some(PathBuf::from(v)),
            ("protocol", Some(v)) => self.protocol = Some(Protocol::parse(&v)?),
            ("transport", Some(v)) => {
                let transport = v.parse().map_err(|_| {
                    format!("unknown transport `{v}` (buffered, framed, fd or zlib)")
                })?;
                self.transport = Some(transport);
            }
            ("verbose" | "v", None) => self.verbose = true,
            ("endpoint", None) => self.endpoint_mode = true,
            ("zlib", None) => self.zlib = true,
            ("ssl", None) => self.ssl = true,
            ("keys", Some(v)) => self.keys = Some(PathBuf::from(v)),
            (name, Some(_)) if is_flag(name) => return Err(format!("`--{name}` takes no value")),
            (name, _) => return Err(format!("unknown option `--{name}`")),
        }
        Ok(())
    }

    /// With `--ssl`: `--keys`, or Apache's place for them (see [`default_keys`]).
    fn ssl_keys(&self) -> Result<Option<PathBuf>, String> {
        match (self.ssl, &self.keys) {
            (false, Some(_)) => Err("`--keys` needs `--ssl`".to_owned()),
            (false, None) => Ok(None),
            (true, _) if self.domain_socket.is_some() => {
                Err("`--ssl` is for TCP (socket kind ip-ssl), not `--domain-socket`".to_owned())
            }
            (true, Some(dir)) => Ok(Some(dir.clone())),
            (true, None) => default_keys().map(Some),
        }
    }

    fn finish(
        mut self,
        client: bool,
    ) -> Result<(Endpoint, Protocol, TransportKind, bool, bool), String> {
        // `--zlib` wraps the transport in zlib; we have it over the buffered transport,
        // which is what the runner's `--transport=zlib --zlib` means.
        if self.zlib {
            match self.transport {
                None | Some(TransportKind::Buffered | TransportKind::Zlib) => {
                    self.transport = Some(TransportKind::Zlib);
                }
                Some(_) => {
                    return Err("`--zlib` goes with the buffered or zlib transport".to_owned());
                }
            }
        }
        if !client && self.host.is_some() {
            return Err("unknown option `--host` (the server listens on 127.0.0.1)".to_owned());
        }
        let endpoint = match self.domain_socket {
            Some(path) => Endpoint::Unix(path),
            None => Endpoint::Tcp {
                host: self.host.unwrap_or_else(|| "localhost".to_owned()),
                port: self.port.unwrap_or(9090),
            },
        };
        let protocol = self.protocol.unwrap_or(Protocol {
            kind: ProtocolKind::Binary,
            multiplexed: false,
        });
        if self.endpoint_mode && protocol.name() != "binary" {
            return Err(
                "`--endpoint` needs `--protocol=binary` (the channel byte is binary's)".to_owned(),
            );
        }
        Ok((
            endpoint,
            protocol,
            header_transport(protocol, self.transport.unwrap_or_default())?,
            self.verbose,
            self.endpoint_mode,
        ))
    }
}

/// The transport under `--protocol=header|multih`: Apache's test programs put a THeader
/// transport over the one `--transport` names, so `buffered` is THeader frames on the stream
/// and `framed` THeader frames inside plain frames.
fn header_transport(protocol: Protocol, transport: TransportKind) -> Result<TransportKind, String> {
    if protocol.kind != ProtocolKind::Header {
        return Ok(transport);
    }
    match transport {
        TransportKind::Buffered | TransportKind::Header => Ok(TransportKind::Header),
        TransportKind::Framed | TransportKind::FramedHeader => Ok(TransportKind::FramedHeader),
        other => Err(format!(
            "`--protocol={}` does not go over {other:?}",
            protocol.name()
        )),
    }
}

/// Options that never take a value.
fn is_flag(name: &str) -> bool {
    matches!(
        name,
        "help"
            | "h"
            | "verbose"
            | "v"
            | "endpoint"
            | "zlib"
            | "ssl"
            | "one-port"
            | "header-compact"
            | "header-zlib"
    )
}

/// Where Apache's test peers find their keys: a `keys` directory beside the directory of
/// the program's own (`test/keys` for `test/cpp/TestServer`), so `target/keys` for
/// `target/release/test_server`.
fn default_keys() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the keys: {e}"))?;
    exe.parent()
        .and_then(std::path::Path::parent)
        .map(|dir| dir.join("keys"))
        .ok_or_else(|| "cannot find the keys directory; pass `--keys DIR`".to_owned())
}

/// Splits the arguments into `(name, value)` pairs: `--name=value`, `--name value`, `-n value`
/// and bare flags.
fn tokenize(
    args: impl IntoIterator<Item = String>,
) -> Result<Vec<(String, Option<String>)>, String> {
    let mut args = args.into_iter();
    let mut out = Vec::new();
    while let Some(arg) = args.next() {
        let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            return Err(format!("unexpected argument `{arg}`"));
        };
        if let Some((name, value)) = body.split_once('=') {
            out.push((name.to_owned(), Some(value.to_owned())));
        } else if is_flag(body) {
            out.push((body.to_owned(), None));
        } else {
            let value = args
                .next()
                .ok_or_else(|| format!("`{arg}` needs a value"))?;
            out.push((body.to_owned(), Some(value)));
        }
    }
    Ok(out)
}

fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("`--{name}` needs a number, not `{value}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_runners_server_command_line() {
        let Command::Run(a) = parse_server(args(
            "--protocol=multic --transport=framed --domain-socket=/tmp/x.sock --port=9090",
        ))
        .unwrap() else {
            panic!("expected options")
        };
        assert_eq!(a.endpoint, Endpoint::Unix("/tmp/x.sock".into()));
        assert_eq!(
            a.protocol,
            Protocol {
                kind: ProtocolKind::Compact,
                multiplexed: true
            }
        );
        assert_eq!(a.transport, TransportKind::Framed);
        assert_eq!(a.server_type, ServerType::ThreadPool);
        assert_eq!(a.message_timeout, None);
    }

    #[test]
    fn message_timeout() {
        let Command::Run(a) = parse_server(args("--message-timeout-ms=1500")).unwrap() else {
            panic!("expected options")
        };
        assert_eq!(a.message_timeout, Some(Duration::from_millis(1500)));
        assert!(parse_server(args("--message-timeout-ms=0")).is_err());
        assert!(parse_server(args("--message-timeout-ms=soon")).is_err());
        assert!(parse_server(args("--endpoint --message-timeout-ms=5")).is_err());
        assert!(parse_client(args("--message-timeout-ms=5")).is_err());
    }

    #[test]
    fn both_spellings_of_values() {
        let Command::Run(a) =
            parse_client(args("--host 127.0.0.1 --port 9191 -n 3 --protocol json")).unwrap()
        else {
            panic!("expected options")
        };
        assert_eq!(
            a.endpoint,
            Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 9191
            }
        );
        assert_eq!(a.loops, 3);
        assert_eq!(a.protocol.kind, ProtocolKind::Json);
    }

    #[test]
    fn help_and_errors() {
        assert_eq!(parse_server(args("-h")).unwrap(), Command::Help);
        assert_eq!(parse_client(args("--help")).unwrap(), Command::Help);
        assert!(parse_server(args("--protocol=xml")).is_err());
        assert!(parse_server(args("--bogus=1")).is_err());
        assert!(parse_server(args("--port")).is_err());
        assert!(parse_server(args("--host=a")).is_err());
        assert!(parse_client(args("--verbose=1")).is_err());
        assert!(parse_client(args("stray")).is_err());
    }

    #[test]
    fn zlib_and_ssl_as_the_runner_passes_them() {
        let Command::Run(a) = parse_server(args(
            "--protocol=compact --transport=zlib --zlib --port=9090",
        ))
        .unwrap() else {
            panic!("expected options")
        };
        assert_eq!(a.transport, TransportKind::Zlib);
        assert_eq!(a.ssl, None);
        let Command::Run(a) = parse_client(args("--zlib --ssl --keys=/k --port=9090")).unwrap()
        else {
            panic!("expected options")
        };
        assert_eq!(a.transport, TransportKind::Zlib);
        assert_eq!(a.ssl, Some(PathBuf::from("/k")));
        let Command::Run(a) = parse_server(args("--ssl --transport=framed")).unwrap() else {
            panic!("expected options")
        };
        assert!(a.ssl.unwrap().ends_with("keys"));
        assert!(parse_server(args("--zlib --transport=framed")).is_err());
        assert!(parse_server(args("--keys=/k")).is_err());
        assert!(parse_client(args("--ssl --domain-socket=/tmp/s")).is_err());
        assert!(parse_client(args("--ssl=1")).is_err());
    }

    #[test]
    fn header_protocols_and_their_transports() {
        let run = |line: &str| match parse_server(args(line)).unwrap() {
            Command::Run(a) => a,
            Command::Help => panic!("expected options"),
        };
        let a = run("--protocol=header");
        assert_eq!(a.protocol.name(), "header");
        assert_eq!(a.transport, TransportKind::Header);
        let a = run("--protocol=multih --transport=framed");
        assert!(a.protocol.multiplexed);
        assert_eq!(a.protocol.name(), "multih");
        assert_eq!(a.transport, TransportKind::FramedHeader);
        assert!(parse_server(args("--protocol=header --transport=fd")).is_err());
        let a = run("--one-port --protocol=multi --transport=framed");
        assert!(a.one_port && a.protocol.multiplexed);
        assert_eq!(
            (a.protocol.kind, a.transport),
            (ProtocolKind::Header, TransportKind::Header)
        );
        assert!(parse_server(args("--one-port --endpoint")).is_err());
        let Command::Run(c) =
            parse_client(args("--protocol=header --header-compact --header-zlib")).unwrap()
        else {
            panic!("expected options")
        };
        assert!(c.header_compact && c.header_zlib);
        assert!(parse_server(args("--header-zlib")).is_err());
    }

    #[test]
    fn http_transport() {
        let Command::Run(a) = parse_server(args("--transport=http --protocol=compact")).unwrap()
        else {
            panic!("expected options")
        };
        assert!(a.http);
        let Command::Run(a) = parse_client(args("--transport http")).unwrap() else {
            panic!("expected options")
        };
        assert!(a.http);
        let Command::Run(a) = parse_client(args("--transport=framed")).unwrap() else {
            panic!("expected options")
        };
        assert!(!a.http);
    }

    #[test]
    fn bench_calls() {
        let Command::Run(a) =
            parse_client(args("--bench=500 --transport=http --ssl --keys=/k")).unwrap()
        else {
            panic!("expected options")
        };
        assert_eq!(a.bench, Some(500));
        assert!(a.http && a.ssl.is_some());
        assert!(parse_client(args("--bench")).is_err());
        assert!(parse_server(args("--bench=5")).is_err());
    }
}
