//! Cards of the card platform whose buttons call back over the Stream connection:
//! createAndDeliver and `PUT /v1.0/card/instances`, docs/dingtalk-protocol.md §4.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, DingTalkApi, read};

/// Where a card goes (§4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Space {
    /// The robot's single chat with this staff id (`IM_ROBOT`).
    User(String),
    /// The group with this openConversationId (`IM_GROUP`); the robot must be in it.
    Group(String),
}

/// A card of the card platform (互动卡片高级版) whose buttons call back over Stream (§4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// The template made in the card platform (`….schema`); it draws the card and its buttons.
    pub template_id: String,
    /// Our id for the card, unique: updates and button callbacks name it.
    pub out_track_id: String,
    /// The template's parameters; strings, JSON-encoded where the template wants a list.
    pub params: BTreeMap<String, String>,
}

/// A delivered card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardSent {
    /// The card's message id in the chat, where DingTalk gives it: a quoted reply to the card
    /// names it as `originalProcessQueryKey` (§3).
    pub carrier_id: Option<String>,
}

/// createAndDeliver's answer (openapi-sdk `CreateAndDeliverResponseBody`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CardAnswer {
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    result: Option<CardResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CardResult {
    #[serde(default)]
    deliver_results: Vec<DeliverResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliverResult {
    #[serde(default)]
    success: Option<bool>,
    carrier_id: Option<String>,
    error_msg: Option<String>,
}

impl DingTalkApi {
    /// Creates a card and puts it into one chat (createAndDeliver with `callbackType: STREAM`,
    /// §4), so its buttons call back over the Stream connection. A space DingTalk cannot
    /// deliver to is answered 200 with `success: false` in its result; that is a rejection here
    /// (code `deliverFailed`, ours: DingTalk gives only `errorMsg`), as is a top-level
    /// `success: false` (code `success:false`).
    pub async fn send_card(&self, to: &Space, card: &Card) -> Result<CardSent, ApiError> {
        let robot_code = &self.inner.config.robot_code;
        let mut body = json!({
            "cardTemplateId": card.template_id, "outTrackId": card.out_track_id,
            "callbackType": "STREAM", "cardData": { "cardParamMap": card.params },
            "userIdType": 1,
        });
        // The space models as py-sdk `card_replier.py` and openapi-sdk `CreateAndDeliverRequest`
        // spell them.
        let space = match to {
            Space::User(staff_id) => json!({
                "openSpaceId": format!("dtv1.card//IM_ROBOT.{staff_id}"),
                "imRobotOpenSpaceModel": { "supportForward": true },
                "imRobotOpenDeliverModel": { "spaceType": "IM_ROBOT", "robotCode": robot_code },
            }),
            Space::Group(id) => json!({
                "openSpaceId": format!("dtv1.card//IM_GROUP.{id}"),
                "imGroupOpenSpaceModel": { "supportForward": true },
                "imGroupOpenDeliverModel": { "robotCode": robot_code },
            }),
        };
        if let (Some(body), Value::Object(space)) = (body.as_object_mut(), space) {
            body.extend(space);
        }
        let answer: CardAnswer = read(
            self.call(Method::POST, "v1.0/card/instances/createAndDeliver", &body)
                .await?,
        )?;
        let delivered = answer
            .result
            .and_then(|r| r.deliver_results.into_iter().next());
        match delivered {
            Some(DeliverResult {
                success: Some(false),
                error_msg,
                ..
            }) => Err(ApiError::Rejected {
                status: 200,
                code: "deliverFailed".into(),
                message: error_msg.unwrap_or_default(),
            }),
            _ if answer.success == Some(false) => Err(ApiError::Rejected {
                status: 200,
                code: "success:false".into(),
                message: String::new(),
            }),
            delivered => Ok(CardSent {
                carrier_id: delivered.and_then(|d| d.carrier_id),
            }),
        }
    }

    /// Changes the given parameters of a card, keeping the others (`PUT /v1.0/card/instances`
    /// with `updateCardDataByKey`, §4). An answer with `success: false` is a rejection (code
    /// `success:false`, ours).
    pub async fn update_card(
        &self,
        out_track_id: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        let body = json!({
            "outTrackId": out_track_id, "cardData": { "cardParamMap": params },
            "cardUpdateOptions": { "updateCardDataByKey": true }, "userIdType": 1,
        });
        let answer = self.call(Method::PUT, "v1.0/card/instances", &body).await?;
        if answer["success"] == Value::Bool(false) {
            return Err(ApiError::Rejected {
                status: 200,
                code: "success:false".into(),
                message: String::new(),
            });
        }
        Ok(())
    }
}
