//! The `thrift-build` command line: check IDL files, or generate code without a build script.
//!
//! ```text
//! thrift-build check [-I DIR]... FILE...
//! thrift-build gen [-I DIR]... -o OUTDIR FILE...
//! ```
//!
//! `check` parses and resolves each file with its includes, prints every diagnostic to stderr
//! and exits with 0 when all files are valid (warnings allowed), 1 when any has an error, and
//! 2 on a usage error.
//!
//! `gen` writes the same code a build script would into OUTDIR, with an `OUTDIR/mod.rs` that
//! declares every module, so `#[path = "OUTDIR/mod.rs"] mod generated;` compiles. It exits
//! with 0 on success, 1 on IDL errors or I/O failures, and 2 on a usage error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: thrift-build check [-I DIR]... FILE...
       thrift-build gen [-I DIR]... -o OUTDIR FILE...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check") => match parse_inputs(&args[1..]) {
            Ok(inputs) if inputs.out_dir.is_some() => {
                usage_error("`check` writes nothing; drop `-o`")
            }
            Ok(inputs) => check(&inputs.include_dirs, &inputs.files),
            Err(message) => usage_error(&message),
        },
        Some("gen") => match parse_inputs(&args[1..]) {
            Ok(Inputs {
                include_dirs,
                out_dir: Some(out_dir),
                files,
            }) => generate(&include_dirs, &out_dir, &files),
            Ok(_) => usage_error("`gen` needs an output directory: `-o OUTDIR`"),
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

/// The options and files of a command.
struct Inputs {
    include_dirs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    files: Vec<PathBuf>,
}

/// Splits `-I DIR` / `-IDIR` and `-o DIR` options from file names.
fn parse_inputs(args: &[String]) -> Result<Inputs, String> {
    let mut include_dirs = Vec::new();
    let mut out_dir = None;
    let mut files = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-o" {
            let dir = iter.next().ok_or("`-o` needs a directory")?;
            out_dir = Some(PathBuf::from(dir));
        } else if arg == "-I" {
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
    Ok(Inputs {
        include_dirs,
        out_dir,
        files,
    })
}

fn generate(include_dirs: &[PathBuf], out_dir: &Path, files: &[PathBuf]) -> ExitCode {
    let mut builder = thrift_build::Builder::new();
    for dir in include_dirs {
        builder.include_dir(dir);
    }
    let result = builder
        .out_dir(out_dir)
        .emit_rerun_if_changed(false)
        .compile(files);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
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
