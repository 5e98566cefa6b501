//! Cards of the card platform (互动卡片高级版): the only cards whose buttons call back over the
//! Stream connection (`callbackType: "STREAM"`; developerpedia `docs/learn/card/intro.md`, see
//! docs/dingtalk-protocol.md §4). Created with createAndDeliver, changed with
//! `PUT /v1.0/card/instances` or by the answer to a button's callback.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::faults::Api;
use super::openapi::{admit, body, check_robot};
use super::state::{Chat, Inner, SentBody, SentCard, SentMessage, Shared};

/// `cardData` / one user's `privateData`: string parameters of the template.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ParamMap {
    #[serde(default)]
    card_param_map: BTreeMap<String, String>,
}

/// The deliver models carry the robotCode (openapi-sdk `CreateAndDeliverRequestImRobotOpenDeliverModel`,
/// `…ImGroupOpenDeliverModel`); py-sdk sends IM_ROBOT without one, so it is optional there.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliverModel {
    robot_code: Option<String>,
}

/// `POST /v1.0/card/instances/createAndDeliver` body. Source: openapi-sdk `card_1_0`
/// `CreateAndDeliverRequest`; py-sdk `card_replier.py` `create_and_deliver_card`; developerpedia's
/// Go card tutorial. `openSpaceId` is `dtv1.card//IM_ROBOT.<userId>` or
/// `dtv1.card//IM_GROUP.<openConversationId>`, several joined by `;`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateAndDeliverRequest {
    card_template_id: Option<String>,
    out_track_id: Option<String>,
    callback_type: Option<String>,
    #[serde(default)]
    card_data: ParamMap,
    #[serde(default)]
    private_data: BTreeMap<String, ParamMap>,
    open_space_id: Option<String>,
    im_robot_open_deliver_model: Option<DeliverModel>,
    im_group_open_deliver_model: Option<DeliverModel>,
}

/// `PUT /v1.0/card/instances` body. Source: openapi-sdk `card_1_0` `UpdateCardRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateCardRequest {
    out_track_id: Option<String>,
    card_data: Option<ParamMap>,
    #[serde(default)]
    private_data: BTreeMap<String, ParamMap>,
    #[serde(default)]
    card_update_options: UpdateOptions,
}

/// `cardUpdateOptions`: true merges the keys given, false replaces the map (go-sdk
/// `card/model.go` `CardUpdateOptions`).
#[derive(Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateOptions {
    #[serde(default)]
    update_card_data_by_key: bool,
    #[serde(default)]
    update_private_data_by_key: bool,
}

/// Answers `{success, result: {outTrackId, deliverResults: [{spaceType, spaceId, success,
/// carrierId, errorMsg}]}}` (openapi-sdk `CreateAndDeliverResponseBody`).
pub(crate) async fn create_and_deliver(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    respond(shared.with(|inner| {
        admit(inner, &headers, Api::CardCreateAndDeliver)?;
        let req: CreateAndDeliverRequest = body(&bytes)?;
        let missing = |what: &str| ApiError::bad_request("invalidParameter", &format!("缺少参数 {what}"));
        let template_id = req.card_template_id.ok_or_else(|| missing("cardTemplateId"))?;
        let out_track_id = req.out_track_id.ok_or_else(|| missing("outTrackId"))?;
        let spaces = req.open_space_id.ok_or_else(|| missing("openSpaceId"))?;
        if inner.cards.contains_key(&out_track_id) {
            // Local choice: the sources do not say how a reused outTrackId is answered.
            return Err(ApiError::bad_request("invalidParameter.outTrackId.duplicate", "outTrackId已存在"));
        }
        for model in [&req.im_robot_open_deliver_model, &req.im_group_open_deliver_model] {
            if let Some(DeliverModel { robot_code: Some(code) }) = model {
                check_robot(inner, Some(code))?;
            }
        }
        let card = SentCard {
            out_track_id: out_track_id.clone(),
            template_id,
            params: req.card_data.card_param_map,
            private: req.private_data.into_iter().map(|(k, v)| (k, v.card_param_map)).collect(),
            stream_callbacks: req.callback_type.as_deref() == Some("STREAM"),
            updates: 0,
        };
        let mut results = Vec::new();
        for space in spaces.split(';').filter(|s| !s.is_empty()) {
            results.push(deliver(inner, &card, space));
        }
        Ok(json!({ "success": true, "result": { "outTrackId": out_track_id, "deliverResults": results } }))
    }))
}

/// Puts the card into one space's chat; a space that is not a known person or group gets
/// `success: false` in its result, as the response model allows.
fn deliver(inner: &mut Inner, card: &SentCard, space: &str) -> Value {
    let rest = space.strip_prefix("dtv1.card//").unwrap_or(space);
    let (space_type, space_id) = rest.split_once('.').unwrap_or((rest, ""));
    let chat = match space_type {
        "IM_ROBOT" if inner.users.contains_key(space_id) => Some(Chat::Single(space_id.to_owned())),
        "IM_GROUP" if inner.groups.contains_key(space_id) => Some(Chat::Group(space_id.to_owned())),
        _ => None,
    };
    let Some(chat) = chat else {
        return json!({ "spaceType": space_type, "spaceId": space_id, "success": false,
                       "errorMsg": "无效的openSpaceId" });
    };
    let carrier_id = super::openapi::process_query_key(inner);
    inner
        .cards
        .insert(card.out_track_id.clone(), (chat.clone(), card.clone()));
    let sent = SentMessage {
        process_query_key: carrier_id.clone(),
        body: SentBody::Card(card.clone()),
    };
    inner.sent_in(chat).push(sent);
    json!({ "spaceType": space_type, "spaceId": space_id, "success": true, "carrierId": carrier_id })
}

/// Answers `{success: true, result: true}` (openapi-sdk `UpdateCardResponseBody`).
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    respond(shared.with(|inner| {
        admit(inner, &headers, Api::CardUpdate)?;
        let req: UpdateCardRequest = body(&bytes)?;
        let id = req.out_track_id.unwrap_or_default();
        let Some((_, card)) = inner.cards.get_mut(&id) else {
            // Local choice, as for createAndDeliver.
            return Err(ApiError::bad_request(
                "invalidParameter.outTrackId.notExist",
                "卡片不存在",
            ));
        };
        let options = req.card_update_options;
        if let Some(data) = req.card_data {
            merge(
                &mut card.params,
                data.card_param_map,
                options.update_card_data_by_key,
            );
        }
        for (user, data) in req.private_data {
            let map = card.private.entry(user).or_default();
            merge(map, data.card_param_map, options.update_private_data_by_key);
        }
        card.updates += 1;
        Ok(json!({ "success": true, "result": true }))
    }))
}

fn merge(into: &mut BTreeMap<String, String>, from: BTreeMap<String, String>, by_key: bool) {
    if !by_key {
        into.clear();
    }
    into.extend(from);
}

fn respond(result: Result<Value, ApiError>) -> Response {
    result.map_or_else(IntoResponse::into_response, |v| Json(v).into_response())
}

/// The ACK of a card callback carries `{"response": {cardData, userPrivateData,
/// cardUpdateOptions}}`, which DingTalk applies to the pressed card (py-sdk `handlers.py`
/// `CallbackHandler.raw_process`, go-sdk `card/handler.go`, dingtalk-card-examples
/// `card_callback_handler.py`). `frame_data` is the callback's own data, for the card and the
/// presser.
pub(crate) fn apply_callback_answer(inner: &mut Inner, frame_data: &str, ack_data: &Value) {
    let response = &ack_data["response"];
    if !response.is_object() {
        return;
    }
    let Ok(callback) = serde_json::from_str::<Value>(frame_data) else {
        return;
    };
    let (Some(id), Some(user)) = (callback["outTrackId"].as_str(), callback["userId"].as_str())
    else {
        return;
    };
    let Some((_, card)) = inner.cards.get_mut(id) else {
        return;
    };
    let options: UpdateOptions =
        serde_json::from_value(response["cardUpdateOptions"].clone()).unwrap_or_default();
    let params = |key: &str| -> Option<BTreeMap<String, String>> {
        serde_json::from_value::<ParamMap>(response[key].clone())
            .ok()
            .map(|p| p.card_param_map)
    };
    if let Some(map) = params("cardData") {
        merge(&mut card.params, map, options.update_card_data_by_key);
    }
    if let Some(map) = params("userPrivateData") {
        let mine = card.private.entry(user.to_owned()).or_default();
        merge(mine, map, options.update_private_data_by_key);
    }
    card.updates += 1;
}
