//! The shared real-world IDL corpus (`../shared/idl-corpus`, or `$THRIFT_IDL_CORPUS`): every
//! file whose MANIFEST status starts with `valid` must load without errors (with the include
//! directories its note gives), and every `invalid` file must be rejected with a diagnostic
//! that names `file:line:column`. The test lists every file that misbehaves.
//!
//! When the corpus is missing the test fails and says so: it never passes without checking.

#[path = "support/corpus.rs"]
mod support;

use support::{corpus_dir, manifest};

/// Where the first error of each invalid corpus file must point (line, column): at the
/// offending token, checked by hand against the file.
const INVALID_LOCATIONS: &[(&str, usize, usize)] = &[
    ("BrokenConstants.thrift", 21, 20),
    ("map_test/idl/example.thrift", 38, 8),
    ("duplicate_field_id.thrift", 3, 5),
    ("path_keyword.thrift", 1, 14),
    ("wrapper_arc.thrift", 12, 9),
    ("chatroom.thrift", 17, 1),
    ("collision.thrift", 51, 39),
    ("duplicate_methods.thrift", 11, 7),
    ("fail/invalid.thrift", 1, 1),
    ("person/person.thrift", 1, 45),
];

#[test]
fn every_corpus_file_is_accepted_or_rejected_as_its_manifest_says() {
    let dir = corpus_dir();
    let entries = manifest(&dir);
    assert!(
        entries.len() > 150,
        "the manifest lists only {} files",
        entries.len()
    );
    let mut failures = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for entry in &entries {
        let mut loader = thrift_parser::Loader::new();
        for include_dir in &entry.include_dirs {
            loader.include_dir(include_dir);
        }
        let loaded = loader.load(&[&entry.path]);
        let rendered = loaded.render_diagnostics();
        let name = entry.path.strip_prefix(&dir).unwrap().display();
        if entry.is_valid() {
            valid += 1;
            if loaded.diagnostics.has_errors() {
                failures.push(format!(
                    "{name} ({}) was rejected:\n{rendered}",
                    entry.status
                ));
            }
        } else {
            invalid += 1;
            let first_error = loaded.diagnostics.iter().find(|d| d.is_error());
            match first_error {
                None => failures.push(format!("{name} (invalid) was accepted")),
                Some(error) if error.primary.is_none() => {
                    failures.push(format!(
                        "{name} (invalid): the error names no place: {}",
                        error.message
                    ));
                }
                Some(_) => {
                    // The rendered text starts with `path:line:column: error:`.
                    let first_line = rendered
                        .lines()
                        .find(|l| l.contains(": error: "))
                        .unwrap_or_default();
                    let location: Vec<&str> = first_line
                        .split(": error: ")
                        .next()
                        .unwrap()
                        .rsplitn(3, ':')
                        .collect();
                    let numeric = location.len() == 3
                        && location[0].parse::<usize>().is_ok()
                        && location[1].parse::<usize>().is_ok();
                    if !numeric {
                        failures.push(format!(
                            "{name} (invalid): no file:line:column in `{first_line}`"
                        ));
                        continue;
                    }
                    let found = (
                        location[1].parse::<usize>().unwrap(),
                        location[0].parse::<usize>().unwrap(),
                    );
                    let name = name.to_string();
                    match INVALID_LOCATIONS.iter().find(|(suffix, ..)| name.ends_with(suffix)) {
                        Some(&(_, line, column)) if (line, column) != found => failures.push(format!(
                            "{name} (invalid): first error at {}:{}, expected {line}:{column}\n{rendered}",
                            found.0, found.1
                        )),
                        Some(_) => {}
                        None => failures.push(format!("{name} (invalid): add its expected error location to INVALID_LOCATIONS")),
                    }
                }
            }
        }
    }
    eprintln!("corpus: {valid} valid and {invalid} invalid files checked");
    assert!(
        failures.is_empty(),
        "{} corpus files misbehave:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
