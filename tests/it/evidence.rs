//! Evidence (佐证材料) on Telegram, through the local Bot API server: a photo in reply to a
//! task card, a file within the edit window after a report, duplicates, limits, who may
//! attach, listing and sending back, and an update handled again after a failed answer.

use crate::support::chat::*;
use crate::support::{TestDb, on_both_backends};
use chrono::Duration as Span;
use duban::config::Settings;
use duban::store::{EvidenceKind, EvidenceOf, Keeping, sha256_hex};

/// Bytes that look like nothing in particular, `len` of them.
pub fn some_bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
        .collect()
}

async fn task_id(chat: &Chat, number: u32) -> i64 {
    let notice = chat.store.latest_notice_id().await.unwrap().unwrap();
    chat.store.task(notice, number).await.unwrap().unwrap().id
}

/// The evidence kept for task `number`.
async fn evidence_of(chat: &Chat, number: u32) -> Vec<duban::store::Evidence> {
    let task = task_id(chat, number).await;
    chat.store
        .evidence_list(EvidenceOf::Task(task))
        .await
        .unwrap()
}

on_both_backends! {
    // The store alone: the same bytes for two tasks are two pieces of evidence and one kept
    // content; the same update again changes nothing; the same bytes for the same task, unit
    // and period are a duplicate.
    async fn the_same_bytes_are_kept_once(db) {
        use duban::store::{Kept, NewEvidence};
        import_seed(&db.store).await;
        let notice = db.store.latest_notice_id().await.unwrap().unwrap();
        let unit = db.store.unit_named("区科技局").await.unwrap().unwrap();
        let new = |number: u32, task_id: i64, seq: i64| NewEvidence {
            task_id,
            task_number: number,
            item: false,
            unit_id: unit.id,
            unit_name: unit.name.clone(),
            period: "2022-03".into(),
            report_id: None,
            user_id: 1001,
            kind: EvidenceKind::Photo,
            file_name: format!("图片{seq}.jpg"),
            inbox_seq: seq,
        };
        let eight = db.store.task(notice, 8).await.unwrap().unwrap().id;
        let nine = db.store.task(notice, 9).await.unwrap().unwrap().id;
        let bytes = some_bytes(20, 1000);
        let keep = |new: NewEvidence| {
            let (store, bytes) = (db.store.clone(), bytes.clone());
            async move { store.keep_evidence(&new, &bytes, &Keeping::Database, 100).await.unwrap() }
        };

        let first = keep(new(8, eight, 1)).await;
        let other_task = keep(new(9, nine, 2)).await;
        let again = keep(new(8, eight, 1)).await;
        let duplicate = keep(new(8, eight, 3)).await;

        assert!(matches!(first, Kept::New(_)), "{first:?}");
        assert!(matches!(other_task, Kept::New(_)), "{other_task:?}");
        assert!(matches!(&again, Kept::Again(e) if Kept::New(e.clone()) == first), "{again:?}");
        assert!(matches!(&duplicate, Kept::Duplicate(e) if e.inbox_seq == 1), "{duplicate:?}");
        let dump = db.dump().await;
        assert_eq!(dump["evidence"].len(), 2, "{:?}", dump["evidence"]);
        assert_eq!(dump["evidence_files"].len(), 1, "kept once");
        let kept = db.store.evidence_list(EvidenceOf::Notice(notice)).await.unwrap();
        for e in &kept {
            assert_eq!(db.store.evidence_bytes(e, &Keeping::Database).await.unwrap(), bytes);
        }
    }

    async fn a_photo_in_reply_to_a_task_card_is_kept_listed_and_sent_back(db) {
        let mut chat = Chat::start(&db.store).await;
        let alice = chat.contact(1001, "张三", "区科技局").await;
        let card = chat.send(&alice, "/tasks 8").await;
        let photo = some_bytes(7, 3000);

        chat.server.send_photo_bytes(&alice, alice.id, photo.clone(), Some(card.message_id));
        let kept = chat.expect(alice.id, 1).await.remove(0);

        assert!(text(&kept).starts_with("已保存第8项佐证材料（区科技局，2022-03）"), "{kept:?}");
        assert!(text(&kept).contains("本期还没有报告"), "{kept:?}");
        let task = task_id(&chat, 8).await;
        let evidence = chat.store.evidence_list(EvidenceOf::Task(task)).await.unwrap();
        assert_eq!(evidence.len(), 1);
        let e = &evidence[0];
        assert_eq!((e.kind, e.size, e.report_id), (EvidenceKind::Photo, 3000, None));
        assert_eq!(e.sha256, sha256_hex(&photo), "the largest size, not the thumbnail");
        assert_eq!(e.user_name.as_deref(), Some("张三"));
        assert_eq!(
            chat.store.evidence_bytes(e, &Keeping::Database).await.unwrap(),
            photo
        );

        // The card lists it; a supervisor sees it under /status 8 and gets it back.
        let card = chat.send(&alice, "/tasks 8").await;
        assert!(text(&card).contains(&format!("#{} {}（2.9 KB）区科技局 张三", e.id, e.file_name)), "{card:?}");
        let carol = chat.supervisor(3001, "王五", None).await;
        let status = chat.send(&carol, "/status 8").await;
        assert!(text(&status).contains("佐证材料（1份，取回请发送 /evidence 编号）"), "{status:?}");
        let back = chat.send(&carol, &format!("/evidence {}", e.id)).await;
        let document = back.document.expect("a document");
        assert_eq!((document.file_name.as_str(), document.bytes), (e.file_name.as_str(), photo));

        // Not a number, or one that does not exist.
        let none = chat.send(&carol, "/evidence 999").await;
        assert!(text(&none).starts_with("没有编号为 999 的佐证材料"), "{none:?}");
        chat.stop().await;
    }

    async fn a_file_after_a_report_is_attached_to_it_once_and_only_in_the_window(db) {
        let mut chat = Chat::start(&db.store).await;
        let alice = chat.contact(1001, "张三", "区科技局").await;
        let receipt = chat.send(&alice, "/report 8 已新增高新技术企业18家").await;
        assert!(text(&receipt).ends_with("可回复本消息发送图片或文件作为佐证材料。"), "{receipt:?}");
        let report = chat.reports().await.remove(0);
        let pdf = some_bytes(1, 5000);

        chat.server.send_document(&alice, alice.id, "高企名单.pdf", "application/pdf", pdf.clone(), None);
        let kept = chat.expect(alice.id, 1).await.remove(0);
        assert!(text(&kept).starts_with("已保存第8项佐证材料（区科技局，2022-03）：高企名单.pdf（4.9 KB）"), "{kept:?}");
        assert!(!text(&kept).contains("本期还没有报告"), "{kept:?}");

        // The same bytes again, under another name: kept once.
        chat.server.send_document(&alice, alice.id, "名单副本.pdf", "application/pdf", pdf.clone(), None);
        let again = chat.expect(alice.id, 1).await.remove(0);
        assert!(text(&again).starts_with("这份材料已保存过（第8项"), "{again:?}");

        // A type not taken.
        chat.server.send_document(&alice, alice.id, "工具.exe", "application/octet-stream", some_bytes(2, 100), None);
        let refused = chat.expect(alice.id, 1).await.remove(0);
        assert!(text(&refused).starts_with("不接收这种类型的文件（工具.exe）"), "{refused:?}");

        // After the window, with no reply to a task's message: nothing to attach to.
        chat.clock.advance(Span::minutes(31));
        chat.server.send_document(&alice, alice.id, "迟到.docx", "application/msword", some_bytes(3, 100), None);
        let late = chat.expect(alice.id, 1).await.remove(0);
        assert!(text(&late).starts_with("这份图片或文件没有对应的任务，未保存"), "{late:?}");
        // In reply to the report's receipt it still joins the report.
        chat.server.send_photo_bytes(&alice, alice.id, some_bytes(3, 100), Some(receipt.message_id));
        let on_receipt = chat.expect(alice.id, 1).await.remove(0);
        assert!(text(&on_receipt).starts_with("已保存第8项佐证材料"), "{on_receipt:?}");

        let evidence = evidence_of(&chat, 8).await;
        assert_eq!(evidence.len(), 2, "{evidence:?}");
        assert_eq!(evidence[0].report_id, Some(report.id));
        assert_eq!(evidence[0].file_name, "高企名单.pdf");
        assert_eq!(evidence[1].report_id, Some(report.id));
        let audit = chat.store.audit(None).await.unwrap();
        assert_eq!(audit.iter().filter(|e| e.action == "evidence").count(), 2, "{audit:?}");

        // The period's bulletin lists it under task 8 (its Excel's 佐证材料 column).
        let today = chrono::NaiveDate::from_ymd_opt(2022, 3, 10).unwrap();
        let bulletin = duban::bulletin::compile(&chat.store, &settings(), None, today, chat.clock.unix())
            .await
            .unwrap()
            .unwrap();
        let eight = bulletin.tasks.iter().find(|t| t.number == 8).unwrap();
        assert_eq!(eight.evidence, ["高企名单.pdf", evidence[1].file_name.as_str()]);
        chat.stop().await;
    }
}

/// 张三 of 区科技局, with evidence limited to `max_mb`, sends a zip of `bytes` in reply to task
/// 8's card: the chat, 张三, and the answer.
async fn zip_on_the_card(
    db: &TestDb,
    max_mb: u32,
    bytes: Vec<u8>,
) -> (Chat, duban::botapi::TestUser, duban::botapi::SentMessage) {
    let settings = Settings {
        evidence_max_mb: max_mb,
        ..settings()
    };
    let mut chat = Chat::start_with(&db.store, settings, None).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    let card = chat.send(&alice, "/tasks 8").await;
    chat.server.send_document(
        &alice,
        alice.id,
        "航拍.zip",
        "application/zip",
        bytes,
        Some(card.message_id),
    );
    let answer = chat.expect(alice.id, 1).await.remove(0);
    (chat, alice, answer)
}

#[tokio::test]
async fn a_file_over_the_limit_a_supervisor_and_an_unbound_user_change_nothing() {
    let db = TestDb::sqlite().await;
    let (mut chat, alice, large) = zip_on_the_card(&db, 1, some_bytes(4, 1_300_000)).await;
    assert!(
        text(&large).starts_with("文件过大（1.2 MB），佐证材料最大 1 MB，未保存"),
        "{large:?}"
    );

    // A reply to a bot message about no task (the refusal just sent).
    chat.server
        .send_photo_bytes(&alice, alice.id, some_bytes(3, 100), Some(large.message_id));
    let about_nothing = chat.expect(alice.id, 1).await.remove(0);
    assert!(
        text(&about_nothing).starts_with("佐证材料未保存：这条消息不对应具体任务"),
        "{about_nothing:?}"
    );

    let carol = chat.supervisor(3001, "王五", None).await;
    chat.server
        .send_photo_bytes(&carol, carol.id, some_bytes(5, 100), None);
    let supervisor = chat.expect(carol.id, 1).await.remove(0);
    assert!(
        text(&supervisor).starts_with("督查人员不能提交佐证材料"),
        "{supervisor:?}"
    );

    let stranger = chat.user(4001, "赵六");
    chat.server
        .send_photo_bytes(&stranger, stranger.id, some_bytes(6, 100), None);
    let unbound = chat.expect(stranger.id, 1).await.remove(0);
    assert!(
        text(&unbound).starts_with("您还没有绑定身份"),
        "{unbound:?}"
    );

    let task = task_id(&chat, 8).await;
    assert!(
        chat.store
            .evidence_list(EvidenceOf::Task(task))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        chat.server.calls("getFile"),
        0,
        "nothing refused was downloaded"
    );
    chat.stop().await;
}

/// Allowed more than Telegram gives bots (20 MB): a larger file is refused when getFile says
/// it is too big, and nothing is kept.
#[tokio::test]
async fn a_file_telegram_will_not_hand_over_is_refused() {
    let db = TestDb::sqlite().await;
    let (chat, _, refused) = zip_on_the_card(&db, 30, vec![0; 21 * 1024 * 1024]).await;

    assert!(
        text(&refused).starts_with("文件过大，佐证材料最大 30 MB，未保存"),
        "{refused:?}"
    );
    assert!(evidence_of(&chat, 8).await.is_empty());
    chat.stop().await;
}

/// In a registered group, a contact of another unit replies with a photo to a card of a task
/// their unit has nothing to do with: refused like a report, nothing kept. A photo in the
/// group that replies to nothing is conversation, left alone.
#[tokio::test]
async fn a_contact_attaches_only_to_their_units_tasks() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    let bob = chat.contact(1002, "李四", "区财政局").await;
    let admin = chat.user(ADMIN, "管理员甲");
    let group = -100_300;
    chat.server.add_group(group, "督办工作群");
    chat.server.send_text(&admin, group, "/register");
    chat.expect(group, 1).await;
    chat.server.send_text(&alice, group, "/tasks 8");
    let card = chat.expect(group, 1).await.remove(0);

    chat.server
        .send_photo_bytes(&bob, group, some_bytes(15, 500), Some(card.message_id));
    let refused = chat.expect(group, 1).await.remove(0);
    assert!(
        text(&refused)
            .starts_with("第8项任务不由区财政局承办（主办或协办），不能提交佐证材料，未保存"),
        "{refused:?}"
    );

    chat.server
        .send_photo_bytes(&alice, group, some_bytes(16, 500), None);
    chat.server
        .send_photo_bytes(&alice, group, some_bytes(17, 500), Some(card.message_id));
    let kept = chat.expect(group, 1).await.remove(0);
    assert!(
        text(&kept).starts_with("已保存第8项佐证材料（区科技局"),
        "{kept:?}"
    );
    chat.settle().await;
    assert_eq!(
        chat.server.sent(group).len(),
        4,
        "the unaddressed photo got no answer"
    );
    let evidence = evidence_of(&chat, 8).await;
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].user_id, alice.id);
    chat.stop().await;
}

/// The answer to a kept photo fails once: the update is handled again, finds the evidence it
/// kept, and answers once; the bytes are kept once.
#[tokio::test]
async fn evidence_handled_again_after_a_failed_answer_is_kept_once() {
    use duban::botapi::{FaultKind, FaultPlan};
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    let card = chat.send(&alice, "/tasks 8").await;

    chat.server
        .inject_faults(FaultPlan::next(1, FaultKind::RetryAfter(0)).for_methods(["sendMessage"]));
    chat.server
        .send_photo_bytes(&alice, alice.id, some_bytes(9, 800), Some(card.message_id));
    let server = &chat.server;
    advance_until(&chat.clock, || server.sent(alice.id).len() >= 3).await;
    let kept = chat.expect(alice.id, 1).await.remove(0);
    assert!(text(&kept).starts_with("已保存第8项佐证材料"), "{kept:?}");
    chat.settle().await;

    let evidence = evidence_of(&chat, 8).await;
    assert_eq!(evidence.len(), 1);
    assert_eq!(chat.server.calls("getFile"), 1, "downloaded once");
    assert_eq!(
        chat.server.sent(alice.id).len(),
        3,
        "bound, the card, one answer"
    );

    // Redelivered by Telegram after it was done: stored once in the inbox, nothing again.
    let update_id = chat
        .store
        .inbox_item(evidence[0].inbox_seq)
        .await
        .unwrap()
        .unwrap()
        .update_id;
    assert!(chat.server.redeliver(update_id));
    chat.settle().await;
    assert_eq!(evidence_of(&chat, 8).await.len(), 1);
    assert_eq!(chat.server.sent(alice.id).len(), 3);
    chat.stop().await;
}

/// Kept in a folder (the setting `evidence_dir`): the database has no bytes, the folder has
/// them under their hash, and they come back the same.
#[tokio::test]
async fn evidence_kept_in_a_folder() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        evidence_dir: dir.path().display().to_string(),
        ..settings()
    };
    let mut chat = Chat::start_with(&db.store, settings, None).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    chat.send(&alice, "/report 8 已新增高新技术企业18家").await;
    let photo = some_bytes(10, 2000);
    chat.server
        .send_photo_bytes(&alice, alice.id, photo.clone(), None);
    let kept = chat.expect(alice.id, 1).await.remove(0);
    assert!(text(&kept).starts_with("已保存第8项佐证材料"), "{kept:?}");

    let hash = sha256_hex(&photo);
    let on_disk = std::fs::read(dir.path().join(&hash[..2]).join(&hash)).unwrap();
    assert_eq!(on_disk, photo);
    let task = task_id(&chat, 8).await;
    let e = chat
        .store
        .evidence_list(EvidenceOf::Task(task))
        .await
        .unwrap()
        .remove(0);
    let keeping = Keeping::Folder(dir.path().to_owned());
    assert_eq!(
        chat.store.evidence_bytes(&e, &keeping).await.unwrap(),
        photo
    );
    assert!(
        chat.store
            .evidence_bytes(&e, &Keeping::Database)
            .await
            .is_err(),
        "not in the database"
    );
    let back = chat.send(&alice, &format!("/evidence {}", e.id)).await;
    assert_eq!(back.document.expect("a document").bytes, photo);
    chat.stop().await;
}

/// The same on DingTalk, through the local DingTalk server: a picture quoting the task card,
/// a file after a report, a supervisor's picture, and `/evidence N` sending the file back.
mod dingtalk {
    use super::some_bytes;
    use crate::support::dingtalk::*;
    use crate::support::on_both_backends;
    use duban::dingapi::SentBody;
    use duban::store::{EvidenceKind, EvidenceOf, Keeping, Role, sha256_hex};

    on_both_backends! {
        async fn a_picture_quoting_a_task_card_and_a_file_after_a_report(db) {
            let mut ding = Ding::start(&db.store).await;
            let alice = ding.contact("staff1001", "张三", "区科技局").await;
            let card = ding.says(&alice, "任务 8").await;
            let picture = some_bytes(11, 4000);

            ding.server
                .user_sends_file(&alice, &single(&alice), None, picture.clone(), Some(&card.process_query_key))
                .unwrap();
            let kept = ding.expect(&single(&alice), 1).await.remove(0);
            assert!(body(&kept).starts_with("已保存第8项佐证材料（区科技局，2022-03）"), "{kept:?}");

            ding.says(&alice, "/report 8 已新增高新技术企业18家").await;
            let pdf = some_bytes(12, 6000);
            ding.server
                .user_sends_file(&alice, &single(&alice), Some("高企名单.pdf"), pdf.clone(), None)
                .unwrap();
            let after = ding.expect(&single(&alice), 1).await.remove(0);
            assert!(body(&after).starts_with("已保存第8项佐证材料（区科技局，2022-03）：高企名单.pdf"), "{after:?}");

            let notice = ding.store.latest_notice_id().await.unwrap().unwrap();
            let task = ding.store.task(notice, 8).await.unwrap().unwrap().id;
            let evidence = ding.store.evidence_list(EvidenceOf::Task(task)).await.unwrap();
            assert_eq!(evidence.len(), 2, "{evidence:?}");
            assert_eq!((evidence[0].kind, evidence[0].report_id), (EvidenceKind::Photo, None));
            assert_eq!(evidence[0].sha256, sha256_hex(&picture));
            let report = ding.reports().await.remove(0);
            assert_eq!(evidence[1].report_id, Some(report.id));
            assert_eq!(
                ding.store.evidence_bytes(&evidence[1], &Keeping::Database).await.unwrap(),
                pdf
            );

            // A supervisor cannot attach; they can have the file back.
            let carol = ding.user("staff3001", "王五");
            let code = ding.invite(Role::Supervisor, None).await;
            ding.says(&carol, &format!("绑定 {code}")).await;
            ding.server
                .user_sends_file(&carol, &single(&carol), None, some_bytes(13, 100), None)
                .unwrap();
            let refused = ding.expect(&single(&carol), 1).await.remove(0);
            assert!(body(&refused).starts_with("督查人员不能提交佐证材料"), "{refused:?}");
            let back = ding.says(&carol, &format!("/evidence {}", evidence[1].id)).await;
            let SentBody::File { file_name, bytes, .. } = &back.body else {
                panic!("not a file: {back:?}")
            };
            assert_eq!((file_name.as_str(), bytes), ("高企名单.pdf", &pdf));
            assert_eq!(
                ding.store.evidence_list(EvidenceOf::Task(task)).await.unwrap().len(),
                2
            );
            ding.stop().await;
        }
    }

    /// DingTalk says no size before the download: a file over the limit is found out while it
    /// is read, and refused; nothing is kept.
    #[tokio::test]
    async fn a_file_over_the_limit_is_stopped_during_the_download() {
        use duban::dingapi::{DingApiOptions, DingApiServer};
        let db = crate::support::TestDb::sqlite().await;
        let server = DingApiServer::start(DingApiOptions::default())
            .await
            .unwrap();
        let settings = duban::config::Settings {
            evidence_max_mb: 1,
            ..settings(&server, true)
        };
        let mut ding = Ding::start_with(&db.store, settings, server).await;
        let alice = ding.contact("staff1001", "张三", "区科技局").await;
        let card = ding.says(&alice, "任务 8").await;

        ding.server
            .user_sends_file(
                &alice,
                &single(&alice),
                Some("航拍.zip"),
                some_bytes(14, 1_300_000),
                Some(&card.process_query_key),
            )
            .unwrap();
        let refused = ding.expect(&single(&alice), 1).await.remove(0);

        assert!(
            body(&refused).starts_with("文件过大（1.2 MB），佐证材料最大 1 MB，未保存"),
            "{refused:?}"
        );
        let notice = ding.store.latest_notice_id().await.unwrap().unwrap();
        let task = ding.store.task(notice, 8).await.unwrap().unwrap().id;
        assert!(
            ding.store
                .evidence_list(EvidenceOf::Task(task))
                .await
                .unwrap()
                .is_empty()
        );
        ding.stop().await;
    }
}
