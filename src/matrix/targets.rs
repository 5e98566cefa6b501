//! Quantitative targets read from a task's text (年内新增高新技术企业30家 → at least 30 家).

use super::model::Target;
use std::ops::Range;

/// A figure with its unit of measure, e.g. 3.6万亩 → 3.6 万亩 = 36000 亩.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub text: String,
    pub value: f64,
    pub unit: String,
    pub normalized_value: f64,
    pub normalized_unit: String,
}

/// Every figure-with-unit in `text`, with its byte range.
pub fn find_quantities(_text: &str) -> Vec<(Range<usize>, Quantity)> {
    Vec::new()
}

/// Every quantitative target in one task's text (or one paragraph of the notice).
pub fn extract_targets(_text: &str, _year: Option<i32>) -> Vec<Target> {
    Vec::new()
}
