//! Apache Thrift's cross-test client: calls every `ThriftTest` method (and, with a `multi*`
//! protocol, `SecondService`) and exits with the runner's bit mask. See `--help` and the
//! crate docs.

use std::process::ExitCode;

use crosstest::options::{self, Command};
use crosstest::suite;

fn main() -> ExitCode {
    let args = match options::parse_client(std::env::args().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            println!("{}", options::CLIENT_USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("test_client: {e}\n{}", options::CLIENT_USAGE);
            return ExitCode::from(suite::UNKNOWN);
        }
    };
    crosstest::logger::init(log::LevelFilter::Warn);
    let failed = suite::run(&args);
    if failed != 0 {
        eprintln!("test_client: failed, exit bits {failed:#04x}");
    }
    ExitCode::from(exit_status(failed))
}

/// Statuses 129 to 159 read as "killed by a signal" in the runner's report, so a timeout
/// (128) is reported alone; the failed checks are on stderr.
fn exit_status(failed: u8) -> u8 {
    if failed & suite::TIMEOUT != 0 {
        suite::TIMEOUT
    } else {
        failed
    }
}
