//! Invite codes: random, single-use, expiring, and stored only as their SHA-256. A code travels
//! as the start parameter of a deep link, `https://t.me/<bot>?start=<code>`.

use crate::refusal::InviteRefusal;
use crate::store::{InviteSpec, Role, Store, StoreError};
use sha2::{Digest, Sha256};

/// Characters of a code: Telegram's start parameter allows A–Z, a–z, 0–9, _ and -.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
const CODE_LEN: usize = 20;

/// A fresh random code (about 116 bits).
pub fn new_code() -> String {
    let mut bytes = [0u8; CODE_LEN];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// What the database keeps of a code.
pub fn hash(code: &str) -> String {
    let digest = Sha256::digest(code.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates an invite and returns its code (shown once, never stored).
pub async fn create(store: &Store, spec: &InviteSpec, now: i64) -> Result<String, StoreError> {
    let code = new_code();
    store.create_invite(&hash(&code), spec, now).await?;
    Ok(code)
}

/// Who an invite is for, as an admin names them (in chat or on the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitee {
    Unit(String),
    Supervisor { leader: Option<String> },
    Admin,
}

/// A new invite's code and what it is for (`区科技局联络员`).
pub struct Invite {
    pub code: String,
    pub what: String,
}

/// Resolves the names and creates the invite, or says why not: an unknown unit (with
/// suggestions) or leader.
pub async fn invite(
    store: &Store,
    invitee: Invitee,
    expires_at: i64,
    created_by: &str,
    now: i64,
) -> Result<Result<Invite, InviteRefusal>, StoreError> {
    let mut spec = InviteSpec {
        role: Role::Contact,
        unit: None,
        leader: None,
        expires_at,
        created_by: created_by.to_owned(),
    };
    let what = match invitee {
        Invitee::Unit(name) => {
            let Some(unit) = store.unit_named(&name).await? else {
                let suggestions = store.units_like(&name, 5).await?;
                return Ok(Err(InviteRefusal::UnknownUnit { name, suggestions }));
            };
            let what = format!("{}联络员", unit.name);
            spec.unit = Some(unit);
            what
        }
        Invitee::Supervisor { leader: None } => {
            spec.role = Role::Supervisor;
            "督查".to_owned()
        }
        Invitee::Supervisor { leader: Some(name) } => {
            let Some(leader) = store.leader_named(&name).await? else {
                return Ok(Err(InviteRefusal::UnknownLeader(name)));
            };
            spec.role = Role::Supervisor;
            let what = format!("督查，关联领导{}", leader.name);
            spec.leader = Some(leader);
            what
        }
        Invitee::Admin => {
            spec.role = Role::Admin;
            "管理员".to_owned()
        }
    };
    let code = create(store, &spec, now).await?;
    Ok(Ok(Invite { code, what }))
}

/// The deep link that starts the bot with the code; without a username, the command to send.
pub fn link(username: &str, code: &str) -> String {
    if username.is_empty() {
        format!("/start {code}")
    } else {
        format!("https://t.me/{username}?start={code}")
    }
}

/// The longest an invite may stay valid: a year is one reporting cycle of a notice.
pub const MAX_INVITE_DAYS: u32 = 366;

/// `7d`, `12h`, `30m` (and a bare number of days) → seconds; at most [`MAX_INVITE_DAYS`].
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() || !c.is_ascii() => (&text[..i], &text[i..]),
        _ => (text, "d"),
    };
    let n: i64 = number.trim().parse().ok().filter(|n| *n > 0)?;
    let unit = match unit {
        "d" | "天" => 86_400,
        "h" | "时" => 3_600,
        "m" | "分" => 60,
        _ => return None,
    };
    n.checked_mul(unit)
        .filter(|seconds| *seconds <= i64::from(MAX_INVITE_DAYS) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_and_fit_a_start_parameter() {
        let a = new_code();
        let b = new_code();
        assert_ne!(a, b);
        assert_eq!(a.len(), CODE_LEN);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d"), Some(7 * 86_400));
        assert_eq!(parse_duration("12h"), Some(12 * 3_600));
        assert_eq!(parse_duration("30m"), Some(1_800));
        assert_eq!(parse_duration("3"), Some(3 * 86_400));
        assert_eq!(parse_duration("3天"), Some(3 * 86_400));
        assert_eq!(parse_duration("366d"), Some(366 * 86_400));
        for bad in [
            "",
            "d",
            "0d",
            "-1d",
            "7w",
            "x7d",
            "367d",
            "99999999999d",
            "9999999999999999999m",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn links_carry_the_code() {
        assert_eq!(link("duban_bot", "abc"), "https://t.me/duban_bot?start=abc");
        assert_eq!(link("", "abc"), "/start abc");
    }
}
