//! Two `duban` processes at once on one database: migrations on a fresh SQLite file, and two
//! versions of a notice imported at the same moment, on both backends. Each case runs many
//! times, since a race shows only in some of them.

use crate::support::on_both_backends;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const SEED: &str = "seeds/yanzhou-2022-task-notice.txt";
const TRIES: usize = 8;

fn duban(db_url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_duban"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DUBAN_DATABASE_URL", db_url)
        .env("DUBAN_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn finished(child: Child) -> Output {
    child.wait_with_output().expect("duban runs")
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The current matrix's tasks, as `duban matrix --format json` prints them.
fn tasks(db_url: &str) -> serde_json::Value {
    let out = duban(db_url, &["matrix", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    json["tasks"].clone()
}

fn seed() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap()
}

#[test]
fn two_processes_starting_on_a_fresh_sqlite_file_both_run() {
    for _ in 0..TRIES {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("duban.db").display());

        let first = duban(&url, &["import", SEED]).spawn().unwrap();
        let second = duban(&url, &["import", SEED]).spawn().unwrap();

        ok(&finished(first));
        ok(&finished(second));
        assert_eq!(tasks(&url).as_array().unwrap().len(), 71);
    }
}

on_both_backends! {
    async fn two_versions_imported_at_once_leave_one_of_them_whole(db) {
        let seed = seed();
        let last = seed.lines().find(|l| l.starts_with("71.")).unwrap();
        // Version A: task 71 removed, task 3 changed. Version B: task 8 lengthened.
        let a = seed
            .replace(&format!("{last}\n"), "")
            .replace("3.深化精准辅导培育，大力推动企业上市。", "3.深化精准辅导培育，年内推动2家企业上市。");
        let b = seed.replace("\n8.实施创新主体培育工程", "\n8.全力以赴，实施创新主体培育工程");
        let dir = tempfile::tempdir().unwrap();
        let files = [("a.txt", &a), ("b.txt", &b)].map(|(name, text)| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        });
        // Each version's matrix, imported alone.
        let alone: Vec<serde_json::Value> = files
            .iter()
            .map(|file| {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("alone.db").display());
                ok(&duban(&url, &["import", file]).output().unwrap());
                tasks(&url)
            })
            .collect();
        assert_ne!(alone[0], alone[1]);
        let url = db.url.clone();
        tokio::task::spawn_blocking(move || {
            for _ in 0..TRIES {
                ok(&duban(&url, &["import", SEED]).output().unwrap());

                let first = duban(&url, &["import", &files[0]]).spawn().unwrap();
                let second = duban(&url, &["import", &files[1]]).spawn().unwrap();
                let outputs = [ok(&finished(first)), ok(&finished(second))];

                let now = tasks(&url);
                let won = alone
                    .iter()
                    .position(|version| *version == now)
                    .expect("the matrix is one version, whole");
                // The import that ran last compared against the other version, not the seed:
                // A and B differ in tasks 3, 8 and 71.
                let report = &outputs[won];
                for number in ["第3项", "第8项", "第71项"] {
                    assert!(report.contains(number), "{number} missing from\n{report}");
                }
            }
        })
        .await
        .unwrap();
    }
}
