//! Apache Thrift's cross-test server: serves `ThriftTest` (and, with a `multi*` protocol,
//! `SecondService`) until SIGHUP, SIGINT or SIGTERM. See `--help` and the crate docs.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use nix::sys::signal::{SigSet, Signal};
use thrift_rt::ProtocolKind;
use thrift_rt::endpoint::{self, EndpointListener};
use thrift_rt::layer::tls::{ClientAuth, TlsServer, TlsServerConfig};
use thrift_rt::server::{Builder, Listener, MultiplexedProcessor, Server};
use thrift_rt::stack::{HttpServer, Layer, Stack, Transport};

use crosstest::handler::Handler;
use crosstest::idl::cross_test::{SecondServiceProcessor, ThriftTestProcessor};
use crosstest::options::{self, Command, Endpoint, ServerArgs, ServerType};

/// The runner sends SIGKILL 2 s after SIGHUP; in-flight calls get most of that.
const GRACE: Duration = Duration::from_millis(1500);

fn main() -> ExitCode {
    let args = match options::parse_server(std::env::args().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            println!("{}", options::SERVER_USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("test_server: {e}\n{}", options::SERVER_USAGE);
            return ExitCode::from(1);
        }
    };
    crosstest::logger::init(if args.verbose {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Warn
    });

    // Block the stop signals before any thread starts, so every thread inherits the mask and
    // only `wait_for_stop` below receives them.
    let signals = stop_signals();
    if let Err(e) = signals.thread_block() {
        eprintln!("test_server: cannot block signals: {e}");
        return ExitCode::from(1);
    }

    let server = match start(&args) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("test_server: cannot listen on {}: {e}", args.endpoint);
            return ExitCode::from(1);
        }
    };
    let transport = match args.transport {
        _ if args.http => "http",
        thrift_rt::TransportKind::Buffered => "buffered",
        thrift_rt::TransportKind::Framed => "framed",
        thrift_rt::TransportKind::Fd => "fd",
        thrift_rt::TransportKind::Zlib => "zlib",
        thrift_rt::TransportKind::Header => "header",
        thrift_rt::TransportKind::FramedHeader => "framed-header",
    };
    // The readiness line in the style of Apache's C++ server; the runner itself watches the
    // kernel's socket table.
    println!(
        "Starting \"{}\" server ({transport}/{}) listen on: {}",
        if args.endpoint_mode {
            "endpoint"
        } else {
            args.server_type.name()
        },
        args.protocol.name(),
        args.endpoint
    );
    let _ = std::io::stdout().flush();

    match signals.wait() {
        Ok(signal) => log::info!("{signal}: stopping"),
        Err(e) => log::error!("waiting for a signal failed ({e}); stopping"),
    }
    server.stop();
    ExitCode::SUCCESS
}

fn stop_signals() -> SigSet {
    let mut set = SigSet::empty();
    for signal in [Signal::SIGHUP, Signal::SIGINT, Signal::SIGTERM] {
        set.add(signal);
    }
    set
}

/// What is serving: a server, or (with `--endpoint`) a channel-0 endpoint listener.
enum Running {
    Server(Server),
    Endpoint(EndpointListener),
}

impl Running {
    fn stop(self) {
        match self {
            Running::Server(server) => {
                let report = server.shutdown(GRACE);
                if report.forced > 0 {
                    log::warn!("{} connection(s) cut off at shutdown", report.forced);
                }
            }
            Running::Endpoint(listener) => listener.shutdown(),
        }
    }
}

fn start(args: &ServerArgs) -> std::io::Result<Running> {
    let listener = match &args.endpoint {
        Endpoint::Tcp { port, .. } => Listener::tcp(("127.0.0.1", *port))?,
        Endpoint::Unix(path) => Listener::unix(path)?,
    };
    if args.endpoint_mode {
        // ThriftTest has no channel in the IDL, so it lands on channel 0: plain Thrift.
        // The options parser allows `--endpoint` with the binary protocol only.
        let builder = endpoint::Builder::new()
            .transport(args.transport)
            .max_workers(args.workers.max(4))
            .serve(ThriftTestProcessor::new(Handler));
        return builder.listen(listener, |_| {}).map(Running::Endpoint);
    }
    if args.http {
        // Any path: Apache's C++ client posts to `/service`, Python's to its URL's path.
        let stack = Stack::new(args.protocol.kind, HttpServer::new()).layer(tls_layer(args)?);
        return serve(args, listener, Builder::new().stack(stack));
    }
    let builder = Builder::new()
        .protocol(args.protocol.kind)
        .transport(args.transport)
        .layer(tls_layer(args)?);
    serve(args, listener, builder)
}

/// Serves ThriftTest (and SecondService) over `listener` with `builder`'s stack.
fn serve<T: Transport, L: Layer>(
    args: &ServerArgs,
    listener: Listener,
    mut builder: Builder<ProtocolKind, T, L>,
) -> std::io::Result<Running> {
    builder = match args.server_type {
        ServerType::Simple => builder.simple(),
        ServerType::Threaded => builder.threaded(1024),
        ServerType::ThreadPool => builder.thread_pool(args.workers, 256),
    };
    if let Some(timeout) = args.message_timeout {
        builder = builder.message_timeout(Some(timeout));
    }
    if args.protocol.multiplexed {
        let processor = MultiplexedProcessor::new()
            .register("ThriftTest", ThriftTestProcessor::new(Handler))
            .register("SecondService", SecondServiceProcessor::new(Handler))
            .default_service(ThriftTestProcessor::new(Handler));
        builder.spawn(listener, processor).map(Running::Server)
    } else {
        builder
            .spawn(listener, ThriftTestProcessor::new(Handler))
            .map(Running::Server)
    }
}

/// With `--ssl`: TLS with `server.crt` and `server.key` from the keys directory, asking
/// clients for a certificate signed by its `CA.pem` when there is one (optional, as
/// Apache's clients may have none).
fn tls_layer(args: &ServerArgs) -> std::io::Result<Option<TlsServer>> {
    let Some(keys) = &args.ssl else {
        return Ok(None);
    };
    let ca = keys.join("CA.pem");
    let client_auth = if ca.exists() {
        ClientAuth::Optional(ca)
    } else {
        ClientAuth::Off
    };
    let config = TlsServerConfig::from_pem_files(
        keys.join("server.crt"),
        keys.join("server.key"),
        client_auth,
    )
    .map_err(|e| std::io::Error::new(e.kind(), format!("--ssl: {e}")))?;
    Ok(Some(TlsServer::new(&config)))
}
