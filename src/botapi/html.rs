//! A loose check of `parse_mode=HTML` texts: the tags Telegram supports, properly nested, and
//! `&`/`<` escaped. The bot's messages quote task texts full of `<`, `&` and `>`; an unescaped one
//! makes Telegram refuse the whole message, so the tests should see the same refusal.

use super::state::ApiError;

const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
];
const ENTITIES: &[(&str, char)] = &[("lt", '<'), ("gt", '>'), ("amp", '&'), ("quot", '"')];

/// Returns the visible text (tags removed, entities decoded), whose length Telegram limits.
pub(crate) fn visible_text(html: &str) -> Result<String, ApiError> {
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let offset = html.len() - rest.len();
        match c {
            '<' => {
                let end = rest
                    .find('>')
                    .ok_or_else(|| unparsable("Unclosed start tag", offset))?;
                let tag = &rest[1..end];
                let (closing, body) = match tag.strip_prefix('/') {
                    Some(b) => (true, b),
                    None => (false, tag),
                };
                let name = body
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let Some(known) = TAGS.iter().find(|t| **t == name) else {
                    let what = format!("Unsupported start tag \"{name}\"");
                    return Err(unparsable(&what, offset));
                };
                if closing {
                    if open.pop() != Some(known) {
                        let what = format!("Unmatched end tag \"{name}\"");
                        return Err(unparsable(&what, offset));
                    }
                } else {
                    open.push(known);
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let end = rest.find(';').filter(|e| *e <= 10);
                let entity = end.map(|e| &rest[1..e]).unwrap_or("");
                let decoded = ENTITIES
                    .iter()
                    .find(|(n, _)| *n == entity)
                    .map(|(_, c)| *c)
                    .or_else(|| {
                        entity
                            .strip_prefix('#')
                            .and_then(|n| n.parse().ok())
                            .and_then(char::from_u32)
                    });
                match (decoded, end) {
                    (Some(ch), Some(e)) => {
                        out.push(ch);
                        rest = &rest[e + 1..];
                    }
                    _ => {
                        let what = "Character entity expected";
                        return Err(unparsable(what, offset));
                    }
                }
            }
            _ => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(tag) = open.pop() {
        let what = format!("Can't find end tag corresponding to start tag \"{tag}\"");
        return Err(ApiError::bad_request(&format!(
            "can't parse entities: {what}"
        )));
    }
    Ok(out)
}

fn unparsable(what: &str, offset: usize) -> ApiError {
    ApiError::bad_request(&format!(
        "can't parse entities: {what} at byte offset {offset}"
    ))
}

#[cfg(test)]
mod tests {
    use super::visible_text;

    #[test]
    fn nested_supported_tags_and_entities_give_the_visible_text() {
        let text = visible_text("<b>任务 <i>1</i></b> &lt;3 &amp; &#20013;").unwrap();
        assert_eq!(text, "任务 1 <3 & 中");
    }

    #[test]
    fn unescaped_ampersand_unknown_tag_and_unclosed_tag_are_refused() {
        assert!(visible_text("A & B").is_err());
        assert!(visible_text("<div>x</div>").is_err());
        assert!(visible_text("<b>x").is_err());
        assert!(visible_text("<b>x</i>").is_err());
    }
}
