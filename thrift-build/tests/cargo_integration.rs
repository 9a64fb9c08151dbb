//! End-to-end tests that drive a real `cargo` over scratch crates, the way users run
//! thrift-build: from a build script, or through the `thrift-build gen` command.
//!
//! Every scratch crate lives in `<target dir>/cargo-integration/<name>`, has its own
//! `[workspace]` table, starts from the workspace's `Cargo.lock`, and builds into one shared
//! `<target dir>/cargo-integration-target`, so `thrift-rt` and `thrift-build` are compiled once
//! and later runs are incremental. Files are only rewritten when their content changes, for the
//! same reason. Cargo invocations are serialized by [`CARGO_LOCK`] so parallel tests do not wait
//! on cargo's own directory lock.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::SystemTime;

/// Held for the duration of every cargo invocation.
static CARGO_LOCK: Mutex<()> = Mutex::new(());

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("thrift-build sits inside the workspace")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    let root = workspace_root();
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// A crate created on disk for one test.
struct Scratch {
    name: String,
    dir: PathBuf,
}

impl Scratch {
    /// Creates (or reuses) the crate `name`, depending on `thrift-rt`, with `thrift-build` as a
    /// build dependency when `build_dependency` is set, and `extra_dependencies` (manifest
    /// lines) under `[dependencies]`.
    fn new(name: &str, build_dependency: bool, extra_dependencies: &str) -> Scratch {
        let dir = target_dir().join("cargo-integration").join(name);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let root = workspace_root();
        let path_of = |krate: &str| {
            let path = root.join(krate).canonicalize().unwrap();
            format!("{:?}", path.display().to_string())
        };
        let build_dependencies = if build_dependency {
            format!(
                "[build-dependencies]\nthrift-build = {{ path = {} }}\n",
                path_of("thrift-build")
            )
        } else {
            String::new()
        };
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nthrift-rt = {{ path = {} }}\n{extra_dependencies}\n\
             {build_dependencies}\n[workspace]\n",
            path_of("thrift-rt"),
        );
        let scratch = Scratch {
            name: name.to_string(),
            dir,
        };
        scratch.write("Cargo.toml", &manifest);
        // The workspace's resolution: the same dependency versions, no registry lookups, and
        // artifacts shared between scratch crates.
        let lock = scratch.dir.join("Cargo.lock");
        if !lock.exists() {
            std::fs::copy(root.join("Cargo.lock"), lock).unwrap();
        }
        scratch
    }

    /// Writes `content` to `relative`, unless the file already holds exactly that.
    fn write(&self, relative: &str, content: &str) {
        write_if_changed(&self.dir.join(relative), content);
    }

    /// Runs `cargo <subcommand> -j2 <args>` in the crate.
    fn cargo(&self, subcommand: &str, args: &[&str]) -> Output {
        let _guard = CARGO_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Command::new(cargo_bin())
            .arg(subcommand)
            .arg("-j2")
            .arg("--manifest-path")
            .arg(self.dir.join("Cargo.toml"))
            .args(args)
            .current_dir(&self.dir)
            .env(
                "CARGO_TARGET_DIR",
                target_dir().join("cargo-integration-target"),
            )
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .expect("cargo runs")
    }

    /// `cargo build -v` with JSON messages on stdout and rendered diagnostics on stderr.
    fn build(&self) -> Build {
        let output = self.cargo("build", &["-v", "--message-format=json-render-diagnostics"]);
        Build {
            package: self.name.clone(),
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Builds and fails the test, with cargo's output, when the build fails.
    fn build_ok(&self, what: &str) -> Build {
        let build = self.build();
        assert!(
            build.success,
            "{what}: `cargo build` of {} failed:\n{}",
            self.name, build.stderr
        );
        build
    }
}

/// What one `Scratch::build` printed.
struct Build {
    package: String,
    success: bool,
    stdout: String,
    stderr: String,
}

impl Build {
    /// Whether cargo ran this package's build script (as opposed to finding it fresh).
    fn ran_build_script(&self) -> bool {
        self.stderr.lines().any(|line| {
            let line = line.trim_start();
            line.starts_with("Running `")
                && line.contains("build-script-build")
                && line.contains(&format!("{}-", self.package))
        })
    }

    /// The `OUT_DIR` of the package's build script, from the JSON messages (cargo reports it
    /// whether the script ran or was fresh).
    fn out_dir(&self) -> PathBuf {
        out_dir_of(&self.stdout, &self.package)
    }
}

fn out_dir_of(json_lines: &str, package: &str) -> PathBuf {
    let line = json_lines
        .lines()
        .find(|line| {
            line.contains("\"reason\":\"build-script-executed\"")
                && line.contains(&format!("/{package}#"))
        })
        .unwrap_or_else(|| panic!("no build-script-executed message for {package}"));
    let (_, rest) = line.split_once("\"out_dir\":\"").expect("out_dir field");
    let (dir, _) = rest.split_once('"').expect("end of out_dir");
    PathBuf::from(dir.replace("\\\\", "\\"))
}

fn write_if_changed(path: &Path, content: &str) {
    if std::fs::read(path).is_ok_and(|old| old == content.as_bytes()) {
        return;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// The modification time of every file in `dir`, by name.
fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, entry.metadata().unwrap().modified().unwrap())
        })
        .collect()
}

/// The paths a build script named in `cargo:rerun-if-changed`, read back from the `output`
/// file cargo keeps beside `OUT_DIR`.
fn rerun_if_changed(out_dir: &Path) -> Vec<String> {
    let output = std::fs::read_to_string(out_dir.parent().unwrap().join("output")).unwrap();
    output
        .lines()
        .filter_map(|line| {
            line.strip_prefix("cargo:rerun-if-changed=")
                .or_else(|| line.strip_prefix("cargo::rerun-if-changed="))
        })
        .map(str::to_string)
        .collect()
}

/// Asserts that the rerun-if-changed paths exist (relative to `krate`) and are exactly
/// `expected`.
fn assert_rerun_paths(krate: &Scratch, out_dir: &Path, expected: &[&str]) {
    let named = rerun_if_changed(out_dir);
    let mut resolved = BTreeSet::new();
    for path in &named {
        let full = krate.dir.join(path);
        assert!(
            full.exists(),
            "rerun-if-changed names `{path}`, which does not exist (cargo would rerun the build script every time)"
        );
        resolved.insert(full.canonicalize().unwrap());
    }
    let expected: BTreeSet<PathBuf> = expected
        .iter()
        .map(|path| krate.dir.join(path).canonicalize().unwrap())
        .collect();
    assert_eq!(resolved, expected, "rerun-if-changed lines: {named:?}");
}

const DEFAULT_BUILD_RS: &str = r#"fn main() {
    thrift_build::compile(&["idl/main.thrift"]).unwrap();
}
"#;

const REGEN_MAIN: &str = r#"include "sub/common.thrift"

struct Shape {
  1: common.Point origin,
  2: list<common.Point> outline,
}

service Shapes {
  Shape get(1: i32 id),
}
"#;

const REGEN_COMMON_V1: &str = r#"struct Point {
  1: i32 x,
  2: i32 y,
}
"#;

const REGEN_COMMON_V2: &str = r#"struct Point {
  1: i32 x,
  2: i32 y,
  3: i32 z,
}
"#;

const REGEN_LIB_V1: &str = r#"pub mod idl {
    thrift_rt::include_thrift!();
}

pub fn origin_x(shape: &idl::main::Shape) -> i32 {
    shape.origin.x
}
"#;

const REGEN_LIB_V2: &str = r#"pub mod idl {
    thrift_rt::include_thrift!();
}

pub fn origin_z(shape: &idl::main::Shape) -> i32 {
    shape.origin.z
}
"#;

#[test]
fn build_script_regenerates_when_an_included_file_changes_and_only_then() {
    let krate = Scratch::new("ci-regen", true, "");
    krate.write("build.rs", DEFAULT_BUILD_RS);
    krate.write("idl/main.thrift", REGEN_MAIN);
    krate.write("idl/sub/common.thrift", REGEN_COMMON_V1);
    krate.write("src/lib.rs", REGEN_LIB_V1);
    let first = krate.build_ok("first build");
    let out_dir = first.out_dir();

    // Both IDL files, and nothing else, are watched.
    assert_rerun_paths(
        &krate,
        &out_dir,
        &["idl/main.thrift", "idl/sub/common.thrift"],
    );

    // The output is deterministic: two in-process runs, and the build script's run in
    // another process (with different hash seeds), agree byte for byte.
    let generate = || {
        thrift_build::Builder::new()
            .emit_rerun_if_changed(false)
            .generate(&[krate.dir.join("idl/main.thrift")])
            .unwrap()
    };
    let once = generate();
    let twice = generate();
    assert_eq!(once.files, twice.files, "two runs generated different code");
    let on_disk: Vec<(String, String)> = once
        .files
        .iter()
        .map(|(name, _)| {
            let text = std::fs::read_to_string(out_dir.join(name))
                .unwrap_or_else(|e| panic!("{name} is not in OUT_DIR: {e}"));
            (name.clone(), text)
        })
        .collect();
    assert_eq!(
        once.files, on_disk,
        "the build script generated different code than an in-process run"
    );
    assert_eq!(
        mtimes(&out_dir).len(),
        once.files.len(),
        "OUT_DIR holds files that generate() does not produce"
    );

    // An included file changes, and the crate's code uses the new field: the build only
    // succeeds if the build script reran and regenerated.
    krate.write("idl/sub/common.thrift", REGEN_COMMON_V2);
    krate.write("src/lib.rs", REGEN_LIB_V2);
    let second = krate.build_ok("after adding field `z` to the included file");
    assert!(
        second.ran_build_script(),
        "the build script did not rerun:\n{}",
        second.stderr
    );

    // Nothing changed: the build script stays fresh and nothing is rewritten.
    let before = mtimes(&out_dir);
    let third = krate.build_ok("rebuild with no change");
    assert!(
        !third.ran_build_script(),
        "the build script reran although nothing changed:\n{}",
        third.stderr
    );
    assert_eq!(before, mtimes(&out_dir), "generated files were rewritten");

    // A change that does not alter the generated code reruns the script, which must leave
    // the files (and so their mtimes) alone.
    krate.write(
        "idl/sub/common.thrift",
        &format!("{REGEN_COMMON_V2}// A comment changes nothing generated.\n"),
    );
    let fourth = krate.build_ok("after a comment-only change");
    assert!(
        fourth.ran_build_script(),
        "the build script did not rerun after common.thrift changed:\n{}",
        fourth.stderr
    );
    assert_eq!(
        before,
        mtimes(&out_dir),
        "unchanged generated files were rewritten"
    );
}

const BAD_IDL: &str = r#"struct A {
  1: i32 x,
  2: Missing y,
}

struct B {
  1: i32 a,
  1: i32 b,
}
"#;

const FIXED_IDL: &str = r#"struct A {
  1: i32 x,
  2: byte y,
}

struct B {
  1: i32 a,
  2: i32 b,
}
"#;

#[test]
fn idl_errors_fail_the_build_with_every_diagnostic() {
    let krate = Scratch::new("ci-errors", true, "");
    krate.write(
        "build.rs",
        r#"fn main() {
    thrift_build::compile(&["idl/bad.thrift"]).unwrap();
}
"#,
    );
    krate.write(
        "src/lib.rs",
        "pub mod idl {\n    thrift_rt::include_thrift!();\n}\n",
    );
    krate.write("idl/bad.thrift", BAD_IDL);
    let failed = krate.build();
    assert!(
        !failed.success,
        "the build succeeded over a broken IDL file"
    );
    let stderr = &failed.stderr;
    for expected in [
        "failed to run custom build command",
        "idl/bad.thrift:3:6: error: unknown type `Missing`",
        "3 |   2: Missing y,",
        "idl/bad.thrift:8:3: error: field id 1 is used twice in struct `B`",
        "8 |   1: i32 b,",
        "idl/bad.thrift:7:3: note: first used here",
    ] {
        assert!(
            stderr.contains(expected),
            "the failed build's output lacks `{expected}`:\n{stderr}"
        );
    }

    // Fixing the file is enough for the next build to pass.
    // The warning left in the file reaches cargo's output.
    krate.write("idl/bad.thrift", FIXED_IDL);
    let fixed = krate.build_ok("after fixing the IDL");
    assert!(
        fixed.stderr.contains("idl/bad.thrift:3:6: warning: `byte`"),
        "the IDL warning is not in cargo's output:\n{}",
        fixed.stderr
    );
    // Leave the broken file for the next run, so it fails again.
    krate.write("idl/bad.thrift", BAD_IDL);
}

const GEN_COMMON: &str = r#"namespace rs common

/** A point on the plane. */
struct Point {
  1: required i32 x,
  2: required i32 y,
  3: optional string label,
}

enum Color {
  RED = 1,
  GREEN = 2,
}

exception NotFound {
  1: string what,
}

typedef map<string, Point> Named

const i32 ORIGIN_X = 0
"#;

const GEN_MAIN: &str = r#"include "common.thrift"

union Pick {
  1: common.Point point,
  2: common.Color color,
  3: binary raw,
}

struct Scene {
  1: list<common.Point> points,
  2: common.Named named,
  3: set<common.Color> colors,
  4: optional Pick pick,
  5: double scale = 1.5,
}

const list<common.Color> PALETTE = [common.Color.RED, common.Color.GREEN]

service Scenes {
  Scene get(1: string name) throws (1: common.NotFound missing),
  oneway void touch(1: common.Point at),
}
"#;

#[test]
fn gen_output_compiles_nested_at_any_depth_and_passes_clippy() {
    let krate = Scratch::new("ci-gen", false, "");
    krate.write("idl/main.thrift", GEN_MAIN);
    krate.write("vendor/common.thrift", GEN_COMMON);
    let out = krate.dir.join("generated");
    let status = Command::new(env!("CARGO_BIN_EXE_thrift-build"))
        .args(["gen", "-I", "vendor", "-o", "generated", "idl/main.thrift"])
        .current_dir(&krate.dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "thrift-build gen failed:\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(out.join("mod.rs").is_file());
    assert!(out.join("main.rs").is_file());
    assert!(out.join("common.rs").is_file());

    let mod_rs = format!("{:?}", out.join("mod.rs").display().to_string());
    krate.write(
        "src/lib.rs",
        &format!(
            r#"//! Generated code three modules deep.
#![deny(warnings, rust_2018_idioms, missing_debug_implementations)]

pub mod a {{
    pub mod b {{
        #[path = {mod_rs}]
        pub mod generated;
    }}
}}

use a::b::generated::{{common, main}};

/// Uses items from both files, so a wrong relative path would not compile.
pub fn scene() -> main::Scene {{
    let mut scene = main::Scene::default();
    scene.points.push(common::Point {{
        x: common::ORIGIN_X,
        y: 1,
        label: None,
    }});
    scene.colors.extend(main::PALETTE.iter().copied());
    scene.pick = Some(main::Pick::Color(common::Color::GREEN));
    scene
}}
"#
        ),
    );
    let output = krate.cargo("clippy", &["--", "-D", "warnings"]);
    assert!(
        output.status.success(),
        "cargo clippy -D warnings over the gen output failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn gen_exit_codes() {
    let dir = target_dir().join("cargo-integration").join("ci-gen-exit");
    std::fs::create_dir_all(&dir).unwrap();
    write_if_changed(&dir.join("bad.thrift"), BAD_IDL);
    write_if_changed(&dir.join("good.thrift"), REGEN_COMMON_V1);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_thrift-build"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let usage_errors: &[&[&str]] = &[
        &[],
        &["frobnicate"],
        &["gen", "good.thrift"],
        &["gen", "-o", "out"],
        &["gen", "-o"],
        &["gen", "-I"],
        &["gen", "--bogus", "-o", "out", "good.thrift"],
        &["check", "-o", "out", "good.thrift"],
    ];
    for args in usage_errors {
        let output = run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "`thrift-build {}` should be a usage error; stderr:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("usage:"), "no usage text:\n{stderr}");
    }

    let _ = std::fs::remove_dir_all(dir.join("bad-out"));
    let output = run(&["gen", "-o", "bad-out", "bad.thrift"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "IDL errors should exit with 1"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.thrift:3:6: error: unknown type `Missing`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.thrift:8:3: error: field id 1"),
        "{stderr}"
    );
    assert!(
        !dir.join("bad-out").exists(),
        "a failed gen created its output directory"
    );

    let output = run(&["gen", "-o", "missing-out", "missing.thrift"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a missing file should exit with 1"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.thrift"));

    let output = run(&["gen", "-o", "good-out", "good.thrift"]);
    assert_eq!(output.status.code(), Some(0));
    let output = run(&["check", "good.thrift"]);
    assert_eq!(output.status.code(), Some(0));
    let output = run(&["check", "bad.thrift"]);
    assert_eq!(output.status.code(), Some(1));
}

const OPTIONS_IDL: &str = r#"struct Point {
  1: i32 x,
  2: i32 y,
}

union Small {
  1: i32 narrow,
  2: i64 wide,
}

struct Blob {
  1: map<string, i32> counts,
  2: set<i64> ids,
  3: binary data,
  4: list<binary> chunks,
  5: map<binary, set<string>> index,
  6: optional binary extra,
  7: string label = "blob",
  8: optional string note = "none",
}

const list<string> NAMES = ["a", "b"]

service Store {
  Blob fetch(1: i64 id),
  string name(1: string key, 2: list<string> aliases),
}
"#;

const OPTIONS_BUILD_RS: &str = r##"use std::path::PathBuf;

use thrift_build::{BinaryType, Builder, Collections, StringType};

fn main() {
    Builder::new()
        .type_attribute("Point", "#[derive(Copy)]")
        .type_attribute("options.Small", "#[derive(Copy)]")
        .type_attribute(".", r#"#[doc(alias = "thrift_type")]"#)
        .field_attribute("Point.x", r#"#[doc = "marked by Name.field"]"#)
        .field_attribute("options.Small.wide", r#"#[doc = "marked by file.Name.field"]"#)
        .field_attribute(".", "#[allow(clippy::pedantic)]")
        .collections(Collections::Hash)
        .binary_type(BinaryType::Bytes)
        .string_type(StringType::BytesStr)
        .compile(&["idl/options.thrift"])
        .unwrap();

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    Builder::new()
        .client(false)
        .out_dir(out_dir.join("no_client"))
        .compile(&["idl/options.thrift"])
        .unwrap();
    Builder::new()
        .server(false)
        .out_dir(out_dir.join("no_server"))
        .compile(&["idl/options.thrift"])
        .unwrap();
}
"##;

const OPTIONS_LIB: &str = r#"#![deny(warnings)]

pub mod idl {
    thrift_rt::include_thrift!();
}

pub mod no_client {
    thrift_rt::include_thrift!(concat!(env!("OUT_DIR"), "/no_client"));
}

pub mod no_server {
    thrift_rt::include_thrift!(concat!(env!("OUT_DIR"), "/no_server"));
}

use idl::options::{Blob, Point, Small};

fn is_copy<T: Copy>() {}

/// Compiles only if the `type_attribute` derives were applied.
pub fn copies() {
    is_copy::<Point>();
    is_copy::<Small>();
}

/// Compiles only if `collections(Hash)`, `binary_type(Bytes)` and `string_type(BytesStr)`
/// were applied.
pub fn types(blob: Blob) {
    let _: std::collections::HashMap<thrift_rt::BytesStr, i32> = blob.counts;
    let _: std::collections::HashSet<i64> = blob.ids;
    let _: thrift_rt::bytes::Bytes = blob.data;
    let _: Vec<thrift_rt::bytes::Bytes> = blob.chunks;
    let _: std::collections::HashMap<
        thrift_rt::bytes::Bytes,
        std::collections::HashSet<thrift_rt::BytesStr>,
    > = blob.index;
    let _: Option<thrift_rt::bytes::Bytes> = blob.extra;
    let _: thrift_rt::BytesStr = blob.label;
}

/// String defaults and constants are built from static strings.
pub fn string_defaults() -> bool {
    Blob::default().label == "blob" && idl::options::NAMES[1] == "b"
}

/// The default options still give `BTreeMap` and `Vec<u8>`.
pub fn defaults(blob: no_client::options::Blob) {
    let _: std::collections::BTreeMap<String, i32> = blob.counts;
    let _: Vec<u8> = blob.data;
}
"#;

/// The first line after the one containing `needle` that is not an attribute or a doc
/// comment: the item the attribute or doc comment belongs to.
fn item_after(text: &str, needle: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` is not in the generated code:\n{text}"));
    lines[start + 1..]
        .iter()
        .map(|line| line.trim())
        .find(|line| !line.starts_with("#[") && !line.starts_with("///"))
        .unwrap()
        .to_string()
}

#[test]
fn builder_options_apply_in_a_real_build() {
    let krate = Scratch::new("ci-options", true, "");
    krate.write("build.rs", OPTIONS_BUILD_RS);
    krate.write("idl/options.thrift", OPTIONS_IDL);
    krate.write("src/lib.rs", OPTIONS_LIB);
    let build = krate.build_ok("options crate");

    let text = std::fs::read_to_string(build.out_dir().join("options.rs")).unwrap();
    assert_eq!(text.matches("marked by Name.field").count(), 1, "{text}");
    assert_eq!(item_after(&text, "marked by Name.field"), "pub x: i32,");
    assert_eq!(
        text.matches("marked by file.Name.field").count(),
        1,
        "{text}"
    );
    assert_eq!(item_after(&text, "marked by file.Name.field"), "Wide(i64),");
    for needle in ["pub struct Point", "pub enum Small", "pub struct Blob"] {
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|line| line.starts_with(needle))
            .unwrap_or_else(|| panic!("`{needle}` is not generated:\n{text}"));
        let attributes: Vec<&str> = lines[..at]
            .iter()
            .rev()
            .take_while(|line| line.starts_with("#[") || line.starts_with("///"))
            .copied()
            .collect();
        assert!(
            attributes
                .iter()
                .any(|a| a.contains("doc(alias = \"thrift_type\")")),
            "`.` did not select `{needle}`: {attributes:?}"
        );
    }
    // Every field and variant the IDL declares (2 + 2 + 8); the hidden argument and result
    // structs of services are not IDL types, so selectors do not reach them.
    assert_eq!(
        text.matches("#[allow(clippy::pedantic)]").count(),
        12,
        "`.` did not select exactly the IDL's fields:\n{text}"
    );
    assert_eq!(
        text.matches("thrift_type").count(),
        3,
        "`.` did not select exactly the IDL's types:\n{text}"
    );
}

#[test]
fn client_and_server_can_be_turned_off() {
    let idl = target_dir()
        .join("cargo-integration")
        .join("ci-client-server")
        .join("options.thrift");
    write_if_changed(&idl, OPTIONS_IDL);
    let generate = |client: bool, server: bool| {
        let generated = thrift_build::Builder::new()
            .emit_rerun_if_changed(false)
            .client(client)
            .server(server)
            .generate(&[&idl])
            .unwrap();
        let (_, text) = generated
            .files
            .iter()
            .find(|(name, _)| name == "options.rs")
            .unwrap();
        text.clone()
    };
    // The client's and processor's structs are declared by runtime macros, named here.
    let has_client = |text: &str| text.contains("client_items!(StoreClient");
    let has_server = |text: &str| {
        text.contains("pub trait Store") || text.contains("processor_items!(StoreProcessor")
    };

    let both = generate(true, true);
    assert!(has_client(&both) && has_server(&both), "{both}");
    let server_only = generate(false, true);
    assert!(
        !has_client(&server_only) && has_server(&server_only),
        "{server_only}"
    );
    assert!(!server_only.contains("StoreClient"), "{server_only}");
    let client_only = generate(true, false);
    assert!(
        has_client(&client_only) && !has_server(&client_only),
        "{client_only}"
    );
    assert!(!client_only.contains("StoreProcessor"), "{client_only}");
    let neither = generate(false, false);
    assert!(!has_client(&neither) && !has_server(&neither), "{neither}");
    // The types are generated either way.
    assert!(neither.contains("pub struct Blob"));
}

const EXTERN_COMMON: &str = r#"struct Point {
  1: i32 x,
  2: i32 y,
}

exception Oops {
  1: string why,
}
"#;

const EXTERN_MAIN: &str = r#"include "common.thrift"

struct Shape {
  1: common.Point origin,
  2: list<common.Point> outline,
  3: map<string, common.Point> named,
}

service Geometry {
  common.Point shift(1: common.Point from, 2: i32 by) throws (1: common.Oops oops),
}
"#;

#[test]
fn extern_path_uses_another_crates_types() {
    let a = Scratch::new("ci-extern-a", true, "");
    a.write(
        "build.rs",
        "fn main() {\n    thrift_build::compile(&[\"idl/common.thrift\"]).unwrap();\n}\n",
    );
    a.write("idl/common.thrift", EXTERN_COMMON);
    a.write("src/lib.rs", "thrift_rt::include_thrift!();\n");

    let b = Scratch::new(
        "ci-extern-b",
        true,
        "ci-extern-a = { path = \"../ci-extern-a\" }\n",
    );
    b.write(
        "build.rs",
        r#"fn main() {
    thrift_build::Builder::new()
        .include_dir("../ci-extern-a/idl")
        .extern_path("common", "::ci_extern_a::common")
        .compile(&["idl/main.thrift"])
        .unwrap();
}
"#,
    );
    b.write("idl/main.thrift", EXTERN_MAIN);
    b.write(
        "src/lib.rs",
        r#"#![deny(warnings)]

thrift_rt::include_thrift!();

/// Compiles only if `Shape.origin` is crate A's `Point`.
pub fn shape() -> main::Shape {
    let origin: ci_extern_a::common::Point = ci_extern_a::common::Point { x: 1, y: 2 };
    main::Shape {
        origin: origin.clone(),
        outline: vec![origin.clone()],
        named: std::iter::once(("o".to_string(), origin)).collect(),
    }
}

/// The service's error enum wraps crate A's exception.
pub fn oops() -> main::GeometryShiftError {
    main::GeometryShiftError::Oops(ci_extern_a::common::Oops { why: "no".to_string() })
}
"#,
    );
    let build = b.build_ok("crate B over crate A's types");

    let out_dir = build.out_dir();
    assert!(
        !out_dir.join("common.rs").exists(),
        "crate B generated common.rs although extern_path names it"
    );
    let mod_rs = std::fs::read_to_string(out_dir.join("mod.rs")).unwrap();
    assert!(!mod_rs.contains("common"), "{mod_rs}");
    // B still watches the extern file it read, and nothing that does not exist.
    assert_rerun_paths(
        &b,
        &out_dir,
        &["idl/main.thrift", "../ci-extern-a/idl/common.thrift"],
    );
}
