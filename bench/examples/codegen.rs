//! Times code generation: our generator (thrift_build, as a build script runs it) against
//! pilota-build, on one IDL file (by default the largest valid file of the shared IDL
//! corpus), and measures the code each generates.
//!
//! ```sh
//! # generators built as build scripts build them by default (unoptimised):
//! cargo run --manifest-path bench/Cargo.toml --features codec --example codegen
//! # generators optimised:
//! cargo run --release --manifest-path bench/Cargo.toml --features codec --example codegen
//! ```
//!
//! Options: `--runs N` (default 5), `--corpus DIR` (default `../shared/idl-corpus` next to
//! the repository, or `$IDL_CORPUS`), `--out FILE` (default
//! `$CARGO_TARGET_DIR/codec-bench/codegen-{debug,release}.md`), and an IDL file to use instead
//! of the corpus's largest.
//!
//! Each run is a fresh process (as a build script is) writing into an empty directory, and
//! reports the wall time of the generator call alone. Then the code of ours and of pilota
//! (with rustfmt) is compiled: each in a scratch crate depending on its runtime (thrift-rt,
//! or pilota 0.13), built once to compile the dependencies, then rebuilt `--runs` times after
//! touching its `lib.rs`, so that the time is that of the generated code alone (`cargo
//! build`, debug profile, as `cargo build` in a user's crate). pilota-build formats its output with
//! `rustfmt` (thrift_build formats in-process with prettyplease); it runs twice: as is, and
//! with `RUSTFMT=true` (no formatting), to show both parts. pilota-build runs with
//! `ignore_unused(false)`, so that it generates every definition, as ours does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The generators compared.
const GENERATORS: [(&str, &str); 3] = [
    ("ours", "thrift_build::Builder::compile"),
    ("pilota", "pilota_build::Builder::compile (with rustfmt)"),
    (
        "pilota-nofmt",
        "pilota_build::Builder::compile, `RUSTFMT=true`",
    ),
];

struct Idl {
    file: PathBuf,
    include_dirs: Vec<PathBuf>,
}

fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--child") {
        let generator = args.next().expect("generator");
        let out = PathBuf::from(args.next().expect("output directory"));
        let file = PathBuf::from(args.next().expect("IDL file"));
        let include_dirs: Vec<PathBuf> = args.map(PathBuf::from).collect();
        child(&generator, &out, &Idl { file, include_dirs });
        return;
    }

    let mut runs = 5usize;
    let mut corpus = std::env::var_os("IDL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/idl-corpus"));
    let mut out_file = None;
    let mut file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--corpus" => corpus = args.next().expect("--corpus DIR").into(),
            "--out" => out_file = Some(PathBuf::from(args.next().expect("--out FILE"))),
            s if s.starts_with("--") => panic!("unknown option {s}"),
            s => file = Some(PathBuf::from(s)),
        }
    }
    let idl = match file {
        Some(file) => Idl {
            file,
            include_dirs: Vec::new(),
        },
        None => largest(&corpus),
    };
    let idl = Idl {
        file: std::fs::canonicalize(&idl.file).unwrap_or(idl.file),
        include_dirs: idl.include_dirs,
    };
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let target = target_dir();
    let work = target.join("codec-bench").join("codegen-out");

    let mut s = String::new();
    s.push_str(&format!(
        "## Code generation ({profile} build of the generators)\n\n`{}` ({} bytes{}), \
         {runs} runs each, a fresh process and an empty output directory per run; wall time \
         of the generator call.\n\n",
        idl.file.display(),
        std::fs::metadata(&idl.file).map_or(0, |m| m.len()),
        if idl.include_dirs.is_empty() {
            String::new()
        } else {
            format!(", include dirs {:?}", idl.include_dirs)
        },
    ));
    s.push_str("| generator | median | min | max | files | lines | bytes |\n");
    s.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for (generator, what) in GENERATORS {
        let mut times = Vec::new();
        let mut size = (0, 0, 0);
        let mut failed = None;
        for run in 0..runs {
            let out = work.join(generator).join(run.to_string());
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).expect("create the output directory");
            match spawn(generator, &out, &idl) {
                Ok(t) => times.push(t),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            size = measure(&out);
        }
        if let Some(e) = failed {
            eprintln!("{generator} failed:\n{e}");
            s.push_str(&format!("| {what} | failed | | | | | |\n"));
            continue;
        }
        times.sort();
        let median = times[times.len() / 2];
        s.push_str(&format!(
            "| {what} | {} | {} | {} | {} | {} | {} |\n",
            ms(median),
            ms(times[0]),
            ms(times[times.len() - 1]),
            size.0,
            size.1,
            size.2
        ));
    }
    s.push_str(
        "\nCompiling the generated code (`cargo build`, debug profile, in a scratch crate \
         whose dependencies are already built; the crate alone is rebuilt after touching its \
         `lib.rs`):\n\n| generated by | median | min | max |\n|---|---:|---:|---:|\n",
    );
    for (generator, what) in &GENERATORS[..2] {
        let generated = work.join(generator).join((runs - 1).to_string());
        match compile_times(generator, &generated, &work, runs) {
            Ok(mut times) => {
                times.sort();
                s.push_str(&format!(
                    "| {what} | {} | {} | {} |\n",
                    ms(times[times.len() / 2]),
                    ms(times[0]),
                    ms(times[times.len() - 1])
                ));
            }
            Err(e) => {
                eprintln!("compiling {generator}'s code failed:\n{e}");
                s.push_str(&format!("| {what} | failed | | |\n"));
            }
        }
    }
    println!("{s}");
    let out_file = out_file.unwrap_or_else(|| {
        target
            .join("codec-bench")
            .join(format!("codegen-{profile}.md"))
    });
    std::fs::write(&out_file, &s).expect("write the results");
    eprintln!("written to {}", out_file.display());
}

fn ms(t: Duration) -> String {
    format!("{:.1} ms", t.as_secs_f64() * 1e3)
}

/// The target directory: `$CARGO_TARGET_DIR`, else three levels above this executable
/// (`<target>/<profile>/examples/codegen`).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| Some(std::env::current_exe().ok()?.ancestors().nth(3)?.to_owned()))
        .unwrap_or_else(|| "target".into())
}

/// The largest file of the corpus whose status is valid, with its include directories.
fn largest(corpus: &Path) -> Idl {
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap_or_else(|e| {
        panic!(
            "no {}/MANIFEST.tsv ({e}): pass --corpus DIR or an IDL file",
            corpus.display()
        )
    });
    let mut best: Option<(u64, Idl)> = None;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(path), Some(status)) = (cols.first(), cols.get(5)) else {
            continue;
        };
        if !status.starts_with("valid") {
            continue;
        }
        let file = corpus.join(path);
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if best.as_ref().is_some_and(|(size, _)| *size >= meta.len()) {
            continue;
        }
        let dir = file.parent().unwrap_or(Path::new(".")).to_owned();
        let include_dirs = cols
            .get(6)
            .and_then(|note| note.split("include-dirs (relative to this file): ").nth(1))
            .map(|dirs| {
                dirs.split([':', ' ', ';'])
                    .take_while(|d| !d.is_empty())
                    .map(|d| dir.join(d))
                    .collect()
            })
            .unwrap_or_default();
        best = Some((meta.len(), Idl { file, include_dirs }));
    }
    best.expect("no valid file in the corpus").1
}

/// Runs one generation in a child process; returns the time it reports.
fn spawn(generator: &str, out: &Path, idl: &Idl) -> Result<Duration, String> {
    let mut command = Command::new(std::env::current_exe().expect("this executable"));
    command
        .arg("--child")
        .arg(generator)
        .arg(out)
        .arg(&idl.file)
        .args(&idl.include_dirs);
    if generator == "pilota-nofmt" {
        command.env("RUSTFMT", "true");
    }
    let output = command.output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reported = stdout
        .lines()
        .find_map(|l| l.strip_prefix("elapsed_ns="))
        .and_then(|n| n.trim().parse().ok());
    match reported {
        Some(ns) if output.status.success() => Ok(Duration::from_nanos(ns)),
        _ => Err(format!(
            "{}\n{stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )),
    }
}

/// In the child: one generation, then `elapsed_ns=…` on stdout.
fn child(generator: &str, out: &Path, idl: &Idl) {
    let start = Instant::now();
    match generator {
        "ours" => {
            let mut builder = thrift_build::Builder::new();
            builder.out_dir(out).emit_rerun_if_changed(false);
            for dir in &idl.include_dirs {
                builder.include_dir(dir);
            }
            builder
                .compile(std::slice::from_ref(&idl.file))
                .expect("thrift_build");
        }
        "pilota" | "pilota-nofmt" => {
            pilota_build::Builder::thrift()
                .ignore_unused(false)
                .include_dirs(idl.include_dirs.clone())
                .compile(
                    [&idl.file],
                    pilota_build::Output::File(out.join("pilota.rs")),
                );
        }
        other => panic!("unknown generator {other}"),
    }
    println!("elapsed_ns={}", start.elapsed().as_nanos());
}

/// Builds the code in `generated` in a scratch crate under `work`, once with its
/// dependencies, then `runs` times alone; returns the times of the latter.
fn compile_times(
    generator: &str,
    generated: &Path,
    work: &Path,
    runs: usize,
) -> Result<Vec<Duration>, String> {
    let krate = work.join(format!("compile-{generator}"));
    let _ = std::fs::remove_dir_all(krate.join("src"));
    std::fs::create_dir_all(krate.join("src")).map_err(|e| e.to_string())?;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let repo = std::fs::canonicalize(&repo).map_err(|e| e.to_string())?;
    let (dependency, lib) = match generator {
        "ours" => (
            format!("thrift-rt = {{ path = {:?} }}", repo.join("thrift-rt")),
            format!(
                "pub mod idl {{\n    thrift_rt::include_thrift!({:?});\n}}\n",
                generated
            ),
        ),
        _ => (
            "pilota = \"=0.13.1\"".to_owned(),
            format!("include!({:?});\n", generated.join("pilota.rs")),
        ),
    };
    let manifest = format!(
        "[package]\nname = \"codegen-{generator}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[dependencies]\n{dependency}\n\n[workspace]\n"
    );
    std::fs::write(krate.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    let lib_rs = krate.join("src/lib.rs");
    std::fs::write(&lib_rs, format!("#![allow(warnings)]\n{lib}")).map_err(|e| e.to_string())?;
    let build = || -> Result<Duration, String> {
        let start = Instant::now();
        let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "--manifest-path"])
            .arg(krate.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", work.join("compile-target"))
            .output()
            .map_err(|e| e.to_string())?;
        let elapsed = start.elapsed();
        if output.status.success() {
            Ok(elapsed)
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    };
    build()?;
    let mut times = Vec::new();
    for _ in 0..runs {
        // A new modification time makes cargo rebuild this crate (and only it).
        let text = std::fs::read_to_string(&lib_rs).map_err(|e| e.to_string())?;
        std::fs::write(&lib_rs, text).map_err(|e| e.to_string())?;
        times.push(build()?);
    }
    Ok(times)
}

/// Files, lines and bytes under `dir`.
fn measure(dir: &Path) -> (usize, usize, u64) {
    let mut total = (0, 0, 0);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return total;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            let (f, l, b) = measure(&path);
            total = (total.0 + f, total.1 + l, total.2 + b);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            total = (
                total.0 + 1,
                total.1 + text.lines().count(),
                total.2 + text.len() as u64,
            );
        }
    }
    total
}
