//! TLS between our client and our servers (feature `tls`): mutual TLS with the client's
//! certificate visible to handlers on every server kind, and the handshakes that must fail.
//! Certificates are made when the tests run (`common/certs.rs`).

#![cfg(feature = "tls")]

#[path = "common/certs.rs"]
mod certs;
mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use certs::{Ca, Role};
use common::echo::{EchoArgs, EchoResult, addr, call_named, quick, tcp};
use thrift_rt::__private as processor;
use thrift_rt::client::shared::SharedClient;
use thrift_rt::connect::ClientOptions;
use thrift_rt::layer::tls::{self, ClientAuth, TlsClientConfig, TlsServer, TlsServerConfig};
use thrift_rt::server::{Server, ServerKind};
use thrift_rt::{
    Client, MessageHeader, Processor, ProtocolKind, ProtocolReader, ProtocolWriter, Result,
    TransportKind,
};

/// `who`: the hex of the client's end-entity certificate as the handler sees it, or `none`;
/// `echo`: the message back.
#[derive(Clone, Default)]
struct Who {
    calls: Arc<AtomicUsize>,
}

impl Processor for Who {
    fn process<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Result<()> {
        let args: EchoArgs = processor::read_args(header, r, w)?;
        self.calls.fetch_add(1, Ordering::SeqCst);
        let reply = match header.name.as_str() {
            "who" => tls::peer_certificates().map_or_else(|| "none".to_owned(), |c| hex(&c[0])),
            _ => args.msg,
        };
        processor::reply(w, header, Ok(EchoResult(reply)))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A CA and its certificates in a directory of their own.
struct Pki {
    dir: PathBuf,
    client_der: Vec<u8>,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tls-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        let ca = Ca::new("good CA");
        ca.write_pem(&dir, "ca");
        let names = ["localhost", "127.0.0.1"];
        Ca::write(
            &dir,
            "server",
            &ca.issue("localhost", &names, Role::Server, false),
        );
        let expired = ca.issue("localhost", &names, Role::Server, true);
        Ca::write(&dir, "expired", &expired);
        let elsewhere = ca.issue("elsewhere", &["elsewhere.invalid"], Role::Server, false);
        Ca::write(&dir, "wrong-name", &elsewhere);
        let client = ca.issue("client one", &["client.invalid"], Role::Client, false);
        Ca::write(&dir, "client", &client);
        let other = Ca::new("other CA");
        let stranger = other.issue("stranger", &["client.invalid"], Role::Client, false);
        Ca::write(&dir, "stranger", &stranger);
        Pki {
            dir,
            client_der: client.der,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn server(&self, cert: &str, auth: ClientAuth) -> TlsServer {
        let config = TlsServerConfig::from_pem_files(
            self.path(&format!("{cert}.crt")),
            self.path(&format!("{cert}.key")),
            auth,
        )
        .unwrap();
        TlsServer::new(&config)
    }

    fn client_config(&self, cert: Option<&str>) -> TlsClientConfig {
        let pair = cert.map(|c| {
            (
                self.path(&format!("{c}.crt")),
                self.path(&format!("{c}.key")),
            )
        });
        TlsClientConfig::from_pem_files(self.path("ca.pem"), pair).unwrap()
    }
}

fn opts() -> ClientOptions {
    ClientOptions::default()
        .protocol(ProtocolKind::Compact)
        .transport(TransportKind::Framed)
        .timeouts(Duration::from_secs(5))
}

fn spawn(kind: ServerKind, tls: TlsServer, who: &Who, transport: TransportKind) -> Server {
    quick()
        .protocol(ProtocolKind::Compact)
        .transport(transport)
        .kind(kind)
        .layer(tls)
        .spawn(tcp(), who.clone())
        .unwrap()
}

fn call(
    server: &Server,
    config: &TlsClientConfig,
    method: &str,
    msg: &str,
) -> std::io::Result<Result<String>> {
    let (r, w) = tls::connect_tcp(addr(server), "localhost", config, &opts())?;
    Ok(call_named(&mut Client::new(r, w), method, msg, 0))
}

const KINDS: [ServerKind; 3] = [
    ServerKind::Simple,
    ServerKind::Threaded { max_connections: 8 },
    ServerKind::ThreadPool {
        workers: 2,
        queue: 8,
    },
];

#[test]
fn mutual_tls_handlers_see_the_client_certificate_on_every_server_kind() {
    let pki = Pki::new("mutual");
    let want = hex(&pki.client_der);
    let config = pki.client_config(Some("client"));
    for kind in KINDS {
        let who = Who::default();
        let auth = ClientAuth::Required(pki.path("ca.pem"));
        let server = spawn(
            kind,
            pki.server("server", auth),
            &who,
            TransportKind::Framed,
        );
        let (r, w) = tls::connect_tcp(addr(&server), "localhost", &config, &opts()).unwrap();
        let mut c = Client::new(r, w);
        for _ in 0..3 {
            assert_eq!(call_named(&mut c, "who", "", 0).unwrap(), want, "{kind:?}");
        }
        // Messages larger than a TLS record (16 KiB) and than rustls' buffers.
        let big = "tls ".repeat(300_000);
        assert_eq!(call_named(&mut c, "echo", &big, 0).unwrap(), big);
        // The simple server serves one connection at a time.
        drop(c);
        // Several clients at once, more than the pool's workers.
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let config = config.clone();
                let a = addr(&server);
                std::thread::spawn(move || {
                    let (r, w) = tls::connect_tcp(a, "localhost", &config, &opts()).unwrap();
                    let mut c = Client::new(r, w);
                    for j in 0..10 {
                        let msg = format!("{i}.{j}");
                        assert_eq!(call_named(&mut c, "echo", &msg, 0).unwrap(), msg);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
}

#[test]
fn a_client_without_a_certificate_or_with_another_cas_is_refused() {
    let pki = Pki::new("refused");
    let who = Who::default();
    let auth = ClientAuth::Required(pki.path("ca.pem"));
    let server = spawn(
        KINDS[2],
        pki.server("server", auth),
        &who,
        TransportKind::Framed,
    );
    for cert in [None, Some("stranger")] {
        // TLS 1.3: the client's half of the handshake completes before the server judges
        // its certificate, so the refusal arrives with the first call's reply, as an alert.
        let outcome = call(&server, &pki.client_config(cert), "who", "");
        let refused = match outcome {
            Err(e) => e.to_string(),
            Ok(Err(e)) => e.to_string(),
            Ok(Ok(reply)) => panic!("{cert:?} was served: {reply}"),
        };
        assert!(
            refused.contains("alert") || refused.contains("certificate"),
            "{cert:?}: {refused}"
        );
    }
    assert_eq!(
        who.calls.load(Ordering::SeqCst),
        0,
        "no call reached the handler"
    );
    // The server serves the next client that has a good certificate.
    let good = call(&server, &pki.client_config(Some("client")), "who", "");
    assert_eq!(good.unwrap().unwrap(), hex(&pki.client_der));
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn optional_client_certificates() {
    let pki = Pki::new("optional");
    let who = Who::default();
    let auth = ClientAuth::Optional(pki.path("ca.pem"));
    let server = spawn(
        KINDS[2],
        pki.server("server", auth),
        &who,
        TransportKind::Framed,
    );
    let anonymous = call(&server, &pki.client_config(None), "who", "");
    assert_eq!(anonymous.unwrap().unwrap(), "none");
    let known = call(&server, &pki.client_config(Some("client")), "who", "");
    assert_eq!(known.unwrap().unwrap(), hex(&pki.client_der));
    // A certificate from another CA is refused even when certificates are optional.
    let stranger = call(&server, &pki.client_config(Some("stranger")), "who", "");
    assert!(!matches!(stranger, Ok(Ok(_))));
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn our_client_refuses_an_expired_or_wrong_name_server_certificate() {
    let pki = Pki::new("server-checks");
    let config = pki.client_config(Some("client"));
    for (cert, expect) in [("expired", "expired"), ("wrong-name", "not valid for name")] {
        let who = Who::default();
        let server = spawn(
            KINDS[0],
            pki.server(cert, ClientAuth::Off),
            &who,
            TransportKind::Framed,
        );
        let e = tls::connect_tcp(addr(&server), "localhost", &config, &opts())
            .err()
            .unwrap_or_else(|| panic!("the {cert} certificate was accepted"));
        let text = e.to_string().to_lowercase();
        assert!(
            text.contains(expect) || text.contains("certificate"),
            "{cert}: {e}"
        );
        // The refused connection cost the (simple) server nothing: a plain-TLS client with
        // the wrong name expected fails too, and the server still stops cleanly.
        assert_eq!(who.calls.load(Ordering::SeqCst), 0);
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
    // A server name that is not a name at all is an error before connecting.
    assert!(tls::TlsClient::new(&config, "not a name!").is_err());
}

#[test]
fn zlib_over_tls() {
    let pki = Pki::new("zlib");
    let who = Who::default();
    let server = spawn(
        KINDS[2],
        pki.server("server", ClientAuth::Off),
        &who,
        TransportKind::Zlib,
    );
    let opts = opts().transport(TransportKind::Zlib);
    let (r, w) =
        tls::connect_tcp(addr(&server), "localhost", &pki.client_config(None), &opts).unwrap();
    let mut c = Client::new(r, w);
    let big = "zlib over tls ".repeat(100_000);
    for _ in 0..3 {
        assert_eq!(call_named(&mut c, "echo", &big, 0).unwrap(), big);
    }
    assert_eq!(call_named(&mut c, "who", "", 0).unwrap(), "none");
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn a_silent_tls_client_does_not_hold_the_server_past_its_read_timeout() {
    // A client that connects and never starts the handshake: the handshake's first read
    // ends at the server's read timeout, and the worker is free again.
    let pki = Pki::new("silent");
    let server = quick()
        .read_timeout(Some(Duration::from_millis(300)))
        .protocol(ProtocolKind::Compact)
        .transport(TransportKind::Framed)
        .kind(ServerKind::ThreadPool {
            workers: 1,
            queue: 8,
        })
        .layer(pki.server("server", ClientAuth::Off))
        .spawn(tcp(), Who::default())
        .unwrap();
    let _silent = std::net::TcpStream::connect(addr(&server)).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let started = std::time::Instant::now();
    let reply = call(&server, &pki.client_config(None), "echo", "after");
    assert_eq!(reply.unwrap().unwrap(), "after");
    assert!(started.elapsed() < Duration::from_secs(3));
    server.shutdown(Duration::from_secs(1));
}

/// One worker and busy neighbours: a connection whose next call is already decrypted inside
/// the TLS layer must not be parked (the poller would wait for its socket, which has nothing
/// more) when other connections want the worker. The first call fills exactly one read of
/// the pool's gate (16 KiB), so the second waits in rustls alone.
#[test]
fn a_decrypted_call_waiting_in_the_layer_is_served_beside_busy_neighbours() {
    use std::io::Write as _;
    use thrift_rt::ReadThrift;
    use thrift_rt::protocol::BinaryReader;
    use thrift_rt::stack::Layer;
    use thrift_rt::transport::{BufferedReader, FramedReader};

    let pki = Pki::new("pipelined");
    let server = quick()
        .transport(TransportKind::Framed)
        .thread_pool(1, 16)
        .layer(pki.server("server", ClientAuth::Off))
        .spawn(tcp(), Who::default())
        .unwrap();
    let a = addr(&server);
    let config = pki.client_config(None);
    let plain = ClientOptions::default()
        .transport(TransportKind::Framed)
        .timeouts(Duration::from_secs(5));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let neighbours: Vec<_> = (0..3)
        .map(|i| {
            let (stop, config) = (Arc::clone(&stop), config.clone());
            std::thread::spawn(move || {
                let (r, w) = tls::connect_tcp(a, "localhost", &config, &plain).unwrap();
                let mut c = Client::new(r, w);
                while !stop.load(Ordering::Relaxed) {
                    let msg = format!("neighbour {i}");
                    assert_eq!(call_named(&mut c, "echo", &msg, 0).unwrap(), msg);
                }
            })
        })
        .collect();
    let framed = |call: Vec<u8>| [(call.len() as u32).to_be_bytes().to_vec(), call].concat();
    let first = framed(common::echo::raw_call_seq(
        &"f".repeat(16 * 1024 - 4 - 31),
        1,
    ));
    assert_eq!(first.len(), 16 * 1024);
    let both = [first, framed(common::echo::raw_call_seq("second", 2))].concat();
    for _ in 0..20 {
        let tcp = std::net::TcpStream::connect(a).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let layer = tls::TlsClient::new(&config, "localhost").unwrap();
        let (r, mut w) = layer.wrap(tcp.try_clone().unwrap(), tcp).unwrap();
        w.write_all(&both).unwrap();
        w.flush().unwrap();
        let mut r = BinaryReader::new(FramedReader::new(BufferedReader::new(r)));
        let mut replies = Vec::new();
        for _ in 0..2 {
            r.read_message_begin().unwrap();
            replies.push(EchoResult::read(&mut r).unwrap().0);
            r.read_message_end().unwrap();
        }
        assert_eq!(replies[1], "second");
    }
    stop.store(true, Ordering::Relaxed);
    for n in neighbours {
        n.join().unwrap();
    }
    server.shutdown(Duration::from_secs(1));
}

/// Bytes that are no TLS handshake (a plain Thrift call, HTTP, garbage): the connection is
/// closed as soon as the bytes prove it, nothing reaches the handler, and the server goes on.
#[test]
fn bytes_that_are_no_handshake_close_only_their_connection() {
    use std::io::Write as _;

    let pki = Pki::new("garbage");
    let who = Who::default();
    let server = spawn(
        KINDS[2],
        pki.server("server", ClientAuth::Off),
        &who,
        TransportKind::Framed,
    );
    let plain_call = common::echo::raw_call("plain");
    for bytes in [
        &plain_call[..],
        b"GET / HTTP/1.1\r\n\r\n",
        &[0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3],
    ] {
        let mut s = std::net::TcpStream::connect(addr(&server)).unwrap();
        s.write_all(bytes).unwrap();
        let took = common::echo::time_until_closed(s);
        assert!(
            took < Duration::from_secs(2),
            "{bytes:?}: closed after {took:?}"
        );
    }
    assert_eq!(who.calls.load(Ordering::SeqCst), 0);
    let reply = call(&server, &pki.client_config(None), "echo", "still serving");
    assert_eq!(reply.unwrap().unwrap(), "still serving");
    server.shutdown(Duration::from_secs(1));
}

/// Thrift over HTTP over TLS (features `tls` and `http`): our HTTP client and server with
/// mutual TLS under them; the handler sees the client's certificate.
#[cfg(feature = "http")]
#[test]
fn http_over_mutual_tls() {
    use thrift_rt::connect::{tcp as connect_tcp, with_stack};
    use thrift_rt::layer::tls::TlsClient;
    use thrift_rt::stack::{HttpClient, Stack};
    use thrift_rt::transport::socket::TcpOptions;

    let pki = Pki::new("http");
    let who = Who::default();
    for kind in KINDS {
        let server = https_server(&pki, &who, kind, ProtocolKind::Compact);
        let tls = TlsClient::new(&pki.client_config(Some("client")), "localhost").unwrap();
        let client_stack =
            Stack::new(ProtocolKind::Compact, HttpClient::new("localhost")).layer(tls);
        let stream = connect_tcp(
            addr(&server),
            &TcpOptions::default().read_timeout(Duration::from_secs(5)),
        )
        .unwrap();
        let (r, w) = with_stack(stream, &client_stack, &Default::default()).unwrap();
        let mut c = Client::new(r, w);
        let big = "http over tls ".repeat(10_000);
        for _ in 0..3 {
            assert_eq!(call_named(&mut c, "echo", &big, 0).unwrap(), big);
        }
        assert_eq!(
            call_named(&mut c, "who", "", 0).unwrap(),
            hex(&pki.client_der)
        );
        server.shutdown(Duration::from_secs(1));
    }
}

/// One echo call (or `who`) through any caller: a `SharedCaller` here.
fn call_with<C: thrift_rt::Caller>(c: &mut C, method: &str, msg: &str) -> Result<String> {
    use thrift_rt::WriteThrift;
    let args = EchoArgs {
        msg: msg.to_owned(),
        delay_ms: 0,
    };
    let pending = c.send(method, thrift_rt::MessageType::Call, 0, |w| args.write(w))?;
    c.receive::<EchoResult>(method, pending).map(|r| r.0)
}

/// Four threads share `shared`: every call is answered, each handler sees the client's
/// certificate, and the pool keeps at most a connection per thread.
fn four_threads_share<P, T, L>(shared: &SharedClient<P, T, L>, client_der: &[u8])
where
    P: thrift_rt::stack::Protocol,
    T: thrift_rt::stack::Transport,
    L: thrift_rt::stack::Layer,
{
    std::thread::scope(|s| {
        for t in 0..4 {
            let mut caller = shared.caller();
            s.spawn(move || {
                for i in 0..25 {
                    let msg = format!("{t}-{i}");
                    assert_eq!(call_with(&mut caller, "echo", &msg).unwrap(), msg);
                }
                assert_eq!(call_with(&mut caller, "who", "").unwrap(), hex(client_der));
            });
        }
    });
    assert!(
        shared.idle_connections() <= 4,
        "{}",
        shared.idle_connections()
    );
}

/// A `SharedClient` over TLS with a client certificate (framed compact), on a thread-pool
/// server asking for one.
#[test]
fn a_shared_client_over_mutual_tls() {
    use thrift_rt::layer::tls::TlsClient;
    use thrift_rt::stack::Stack;

    let pki = Pki::new("shared");
    let who = Who::default();
    let server = spawn(
        KINDS[2],
        pki.server("server", ClientAuth::Required(pki.path("ca.pem"))),
        &who,
        TransportKind::Framed,
    );
    let tls = TlsClient::new(&pki.client_config(Some("client")), "localhost").unwrap();
    let shared = SharedClient::builder()
        .stack(Stack::new(ProtocolKind::Compact, TransportKind::Framed).layer(tls))
        .tcp(addr(&server))
        .unwrap()
        .build();
    four_threads_share(&shared, &pki.client_der);
    assert_eq!(who.calls.load(Ordering::SeqCst), 4 * 26);
    server.shutdown(Duration::from_secs(1));
}

/// A server of `kind` answering HTTP POSTs in `protocol` over TLS that requires a client
/// certificate of the test CA.
#[cfg(feature = "http")]
fn https_server(pki: &Pki, who: &Who, kind: ServerKind, protocol: ProtocolKind) -> Server {
    let stack = thrift_rt::stack::Stack::new(protocol, thrift_rt::stack::HttpServer::new())
        .layer(pki.server("server", ClientAuth::Required(pki.path("ca.pem"))));
    quick()
        .stack(stack)
        .kind(kind)
        .spawn(tcp(), who.clone())
        .unwrap()
}

/// A `SharedClient` over HTTP over TLS (features `tls` and `http`).
#[cfg(feature = "http")]
#[test]
fn a_shared_client_over_https() {
    use thrift_rt::layer::tls::TlsClient;
    use thrift_rt::stack::{HttpClient, Stack};

    let pki = Pki::new("shared-https");
    let who = Who::default();
    let server = https_server(&pki, &who, KINDS[2], ProtocolKind::Binary);
    let tls = TlsClient::new(&pki.client_config(Some("client")), "localhost").unwrap();
    let shared = SharedClient::builder()
        .stack(Stack::new(ProtocolKind::Binary, HttpClient::new("localhost")).layer(tls))
        .tcp(addr(&server))
        .unwrap()
        .build();
    four_threads_share(&shared, &pki.client_der);
    assert_eq!(who.calls.load(Ordering::SeqCst), 4 * 26);
    server.shutdown(Duration::from_secs(1));
}
