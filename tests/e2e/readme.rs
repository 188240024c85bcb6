//! The README's tour, run as a reader would run it: `scripts/readme-tour` starts a fresh demo
//! from the real binary and runs every shell block of README.md against it, so an example that
//! stops working fails the suite.

use std::process::Command;

#[test]
fn every_command_of_the_readme_tour_works_against_the_demo() {
    let output = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/readme-tour"))
        .env("DATELINE_BIN", env!("CARGO_BIN_EXE_dateline"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("without an error"), "{said}");
}
