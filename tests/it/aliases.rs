//! A unit's other names (issue 16, item 8) kept in the database: the seed's directory says
//! 区乡村振兴局 is 区农业农村局, and an admin may name the bureau by either — looking it up (behind
//! `duban invite --unit`, `/invite`, `/status`, `duban reports --unit`) and assigning a task to
//! it — on SQLite and PostgreSQL.

use crate::support::matrix::{SEED, seed_dir};
use crate::support::{TestDb, on_both_backends};
use duban::matrix::{Matrix, UnitRole, parse_notice};
use duban::store::AssignRequest;

fn seed() -> Matrix {
    parse_notice(SEED, &seed_dir()).expect("the seed imports")
}

async fn imported(db: &TestDb, m: &Matrix) -> i64 {
    db.store
        .import_matrix(m)
        .await
        .expect("import succeeds")
        .notice_id
}

on_both_backends! {
    async fn a_unit_is_found_by_its_alias_and_its_own_name(db) {
        imported(db, &seed()).await;

        let by_alias = db.store.unit_named("区乡村振兴局").await.unwrap().expect("the alias");
        let by_name = db.store.unit_named("区农业农村局").await.unwrap().expect("the name");

        assert_eq!(by_alias.name, "区农业农村局");
        assert_eq!(by_alias.id, by_name.id);
        assert!(db.store.unit_named("区乡村振兴").await.unwrap().is_none());
    }

    async fn the_aliases_are_stored_and_loaded_with_the_matrix(db) {
        let notice = imported(db, &seed()).await;

        let loaded = db.store.load_matrix(notice).await.unwrap();

        let bureau = loaded.units.iter().find(|u| u.name == "区农业农村局").unwrap();
        assert_eq!(bureau.aliases, ["区乡村振兴局"]);
        assert_eq!(loaded.units, seed().units);
        let outcome = db.store.import_matrix(&seed()).await.unwrap();
        assert!(outcome.is_noop(), "{outcome:?}");
    }

    async fn a_task_is_assigned_to_a_unit_named_by_its_alias(db) {
        let notice = imported(db, &seed()).await;
        let request = AssignRequest {
            number: 3,
            hosts: vec!["区乡村振兴局".into()],
            co: vec![],
        };

        let done = db.store.assign_units(notice, &request, "cli", 100).await.unwrap();

        assert!(done.is_ok(), "{done:?}");
        let task = db.store.task(notice, 3).await.unwrap().expect("task 3");
        let units: Vec<(&str, UnitRole)> =
            task.units.iter().map(|u| (u.name.as_str(), u.role)).collect();
        assert_eq!(units, [("区农业农村局", UnitRole::Host)]);
    }
}
