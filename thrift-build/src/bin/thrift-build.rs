//! The `thrift-build` command line: check IDL files (and, later, generate code) without a
//! build script.
//!
//! ```text
//! thrift-build check [-I DIR]... FILE...
//! ```
//!
//! `check` parses and resolves each file with its includes, prints every diagnostic to stderr
//! and exits with 0 when all files are valid (warnings allowed), 1 when any has an error, and
//! 2 on a usage error.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: thrift-build check [-I DIR]... FILE...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check") => match parse_inputs(&args[1..]) {
            Ok((include_dirs, files)) => check(&include_dirs, &files),
            Err(message) => usage_error(&message),
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => usage_error(&format!("unknown command `{other}`")),
        None => usage_error("no command given"),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("thrift-build: {message}\n{USAGE}");
    ExitCode::from(2)
}

/// Splits `-I DIR` / `-IDIR` options from file names.
fn parse_inputs(args: &[String]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let mut include_dirs = Vec::new();
    let mut files = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-I" {
            let dir = iter.next().ok_or("`-I` needs a directory")?;
            include_dirs.push(PathBuf::from(dir));
        } else if let Some(dir) = arg.strip_prefix("-I") {
            include_dirs.push(PathBuf::from(dir));
        } else if arg.starts_with('-') && arg != "-" {
            return Err(format!("unknown option `{arg}`"));
        } else {
            files.push(PathBuf::from(arg));
        }
    }
    if files.is_empty() {
        return Err("no IDL file given".to_string());
    }
    Ok((include_dirs, files))
}

fn check(include_dirs: &[PathBuf], files: &[PathBuf]) -> ExitCode {
    let mut loader = thrift_parser::Loader::new();
    for dir in include_dirs {
        loader.include_dir(dir);
    }
    let loaded = loader.load(files);
    eprint!("{}", loaded.render_diagnostics());
    if loaded.diagnostics.has_errors() {
        let errors = loaded.diagnostics.error_count();
        eprintln!(
            "thrift-build: {errors} error{} found",
            if errors == 1 { "" } else { "s" }
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
