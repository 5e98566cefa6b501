//! The bulletin as a chart (`.png`) for chats and slides: the status lights of the period as
//! stacked horizontal bars, one panel by section of the notice (按部分) and one by host unit
//! (按单位), under a title, a subtitle and a legend with the counts.
//!
//! - A task counts by the light its host reported, like 总体情况: 蓝, 黄, 红, 完成; a task no
//!   host reported on is 未报送; a report without a light is 已反馈未标注 (in the legend only
//!   when there is one).
//! - By unit, each host counts its hosted tasks; a task counts as 未报送 for a host that did not
//!   report on it, even when another host did.
//! - A panel shows at most [`MAX_ROWS`] rows: with more sections or units, those with the most
//!   lagging (黄, 红) and unreported tasks, and its caption says so (前20个单位).
//!
//! The picture is [`WIDTH`] pixels wide and [`height`] tall, which depends on the rows only.
//! The labels use WenQuanYi Micro Hei, cut to GB2312 and embedded (`assets/fonts/`), so the chart
//! looks the same on a machine without fonts; a character outside the font (an emoji, a rare
//! hanzi) draws as □.

use super::sections::{chinese_date, percent, period_name};
use crate::bulletin::Bulletin;
use crate::progress::Light;
use ab_glyph::{Font, FontRef, ScaleFont};
use plotters::backend::BitMapBackend;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, IntoDrawingArea};
use plotters::element::{PathElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontDesc, FontFamily, FontStyle, RGBColor, ShapeStyle, TextStyle};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The width of the picture, in pixels.
pub const WIDTH: u32 = 1600;
/// Rows a panel shows at most.
pub const MAX_ROWS: usize = 20;

/// The embedded font (see `assets/fonts/README.md`) and the family name it is registered as.
const FONT: &[u8] = include_bytes!("../../../assets/fonts/wqy-microhei-gb2312.ttf");
const FAMILY: &str = "duban-wqy-microhei";

// The layout, in pixels. Vertically: the header (title, subtitle, legend), the two panels,
// the footnote. Horizontally: the row labels, then the bars, then room for each bar's total.
const MARGIN: i32 = 48;
const HEADER: u32 = 210;
const CAPTION: u32 = 56;
const ROW: u32 = 40;
const BAR: i32 = 26;
/// Below a panel's rows: the tick labels and the axis title, then space before the next panel.
const AXIS: u32 = 88;
const FOOTER: u32 = 56;
const LABELS_RIGHT: i32 = 404;
const PLOT_LEFT: i32 = 420;
const PLOT_RIGHT: i32 = WIDTH as i32 - MARGIN - 72;

const TITLE_SIZE: f64 = 40.0;
const SUBTITLE_SIZE: f64 = 22.0;
const CAPTION_SIZE: f64 = 26.0;
const LABEL_SIZE: f64 = 20.0;
const SMALL_SIZE: f64 = 18.0;

const INK: RGBColor = RGBColor(0x20, 0x24, 0x2A);
const MUTED: RGBColor = RGBColor(0x5F, 0x63, 0x68);
const GRID: RGBColor = RGBColor(0xE3, 0xE6, 0xEA);
const AXIS_LINE: RGBColor = RGBColor(0x9A, 0xA0, 0xA6);
const WHITE: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);

/// What a bar segment counts, in the order the segments and the legend show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Blue,
    Yellow,
    Red,
    Done,
    /// Reported, without a light.
    Unlabelled,
    /// No report of the host this period.
    Silent,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Blue,
        Status::Yellow,
        Status::Red,
        Status::Done,
        Status::Unlabelled,
        Status::Silent,
    ];

    /// The fill of its bars and legend swatch (blue, amber, red, green, light and mid grey).
    pub fn colour(self) -> RGBColor {
        match self {
            Status::Blue => RGBColor(0x2E, 0x6B, 0xD1),
            Status::Yellow => RGBColor(0xF2, 0xA9, 0x00),
            Status::Red => RGBColor(0xD9, 0x30, 0x25),
            Status::Done => RGBColor(0x2E, 0x9E, 0x4F),
            Status::Unlabelled => RGBColor(0xC9, 0xCE, 0xD6),
            Status::Silent => RGBColor(0x8A, 0x90, 0x99),
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Status::Blue => "蓝 按计划推进",
            Status::Yellow => "黄 进度滞后",
            Status::Red => "红 严重滞后",
            Status::Done => "完成",
            Status::Unlabelled => "已反馈未标注",
            Status::Silent => "未报送",
        }
    }

    /// The colour of a count written on its bar.
    fn text_colour(self) -> RGBColor {
        match self {
            Status::Yellow | Status::Unlabelled => INK,
            _ => WHITE,
        }
    }

    fn of(light: Option<Light>, reported: bool) -> Status {
        match (reported, light) {
            (false, _) => Status::Silent,
            (true, Some(Light::Blue)) => Status::Blue,
            (true, Some(Light::Yellow)) => Status::Yellow,
            (true, Some(Light::Red)) => Status::Red,
            (true, Some(Light::Done)) => Status::Done,
            (true, None) => Status::Unlabelled,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One bar: a section or a unit and its tasks by status.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    name: String,
    counts: [usize; 6],
}

impl Row {
    fn new(name: String) -> Row {
        Row {
            name,
            counts: [0; 6],
        }
    }

    fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// 黄, 红 and 未报送: what the rows are picked by when there are too many.
    fn trouble(&self) -> usize {
        [Status::Yellow, Status::Red, Status::Silent]
            .iter()
            .map(|s| self.counts[s.index()])
            .sum()
    }
}

/// A panel: its caption and its rows, top to bottom.
struct Panel {
    caption: String,
    rows: Vec<Row>,
}

/// The rows of 按部分, in the notice's order; tasks without a section under 其他.
fn by_section(b: &Bulletin) -> Panel {
    let mut rows: Vec<Row> = Vec::new();
    for task in &b.tasks {
        let name = task.section.as_deref().map_or("其他", short_section);
        let row = match rows.iter().position(|r| r.name == name) {
            Some(i) => &mut rows[i],
            None => {
                rows.push(Row::new(name.to_owned()));
                rows.last_mut().expect("a row just pushed")
            }
        };
        row.counts[Status::of(task.reported, task.is_reported()).index()] += 1;
    }
    let all = rows.len();
    if all <= MAX_ROWS {
        return Panel {
            caption: "按部分".to_owned(),
            rows,
        };
    }
    // The sections with the most trouble, kept in the notice's order.
    let mut picked: Vec<(usize, Row)> = rows.into_iter().enumerate().collect();
    picked.sort_by_key(|(i, r)| (std::cmp::Reverse(r.trouble()), *i));
    picked.truncate(MAX_ROWS);
    picked.sort_by_key(|(i, _)| *i);
    Panel {
        caption: format!("按部分（共{all}个部分，显示滞后和未报送任务最多的前{MAX_ROWS}个部分）"),
        rows: picked.into_iter().map(|(_, r)| r).collect(),
    }
}

/// The rows of 按单位: each host unit's hosted tasks, the most lagging and unreported first.
fn by_unit(b: &Bulletin) -> Panel {
    let mut rows: Vec<Row> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for task in &b.tasks {
        let status = Status::of(task.reported, task.is_reported());
        for host in &task.hosts {
            let i = *index.entry(host.as_str()).or_insert_with(|| {
                rows.push(Row::new(host.clone()));
                rows.len() - 1
            });
            let silent = task.silent_hosts.contains(host);
            let s = if silent { Status::Silent } else { status };
            rows[i].counts[s.index()] += 1;
        }
    }
    let all = rows.len();
    rows.sort_by(|a, b| {
        (b.trouble(), b.total())
            .cmp(&(a.trouble(), a.total()))
            .then_with(|| a.name.cmp(&b.name))
    });
    let caption = if all > MAX_ROWS {
        rows.truncate(MAX_ROWS);
        format!("按单位（共{all}个单位，显示滞后和未报送任务最多的前{MAX_ROWS}个单位）")
    } else {
        "按单位（主办任务）".to_owned()
    };
    Panel { caption, rows }
}

/// `二、聚力制造强区建设，在工业经济…` → `二、聚力制造强区建设`: the heading up to its first
/// comma.
fn short_section(heading: &str) -> &str {
    heading
        .split(['，', ',', '。', '；'])
        .next()
        .unwrap_or(heading)
        .trim()
}

/// A panel's height: the caption, its rows (one, saying 无, when it has none), the axis.
fn panel_height(panel: &Panel) -> u32 {
    CAPTION + ROW * panel.rows.len().max(1) as u32 + AXIS
}

/// The picture's height for this bulletin: the header, both panels by their rows, the footer.
pub fn height(b: &Bulletin) -> u32 {
    HEADER + panel_height(&by_section(b)) + panel_height(&by_unit(b)) + FOOTER
}

/// The bulletin as a `.png` chart, [`WIDTH`] × [`height`] pixels, RGB.
pub fn png(b: &Bulletin) -> anyhow::Result<Vec<u8>> {
    let glyphs = glyphs()?;
    let sections = by_section(b);
    let units = by_unit(b);
    let height = HEADER + panel_height(&sections) + panel_height(&units) + FOOTER;
    let mut pixels = vec![0xFF; WIDTH as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, height)).into_drawing_area();
        let mut canvas = Canvas {
            area: &root,
            glyphs,
        };
        canvas.header(b)?;
        let mut top = HEADER as i32;
        for panel in [&sections, &units] {
            canvas.panel(panel, top)?;
            top += panel_height(panel) as i32;
        }
        canvas.text(
            "注：按主办单位上报的灯色统计；未报送指主办单位本期未反馈进展。",
            (MARGIN, top + FOOTER as i32 / 2),
            SMALL_SIZE,
            MUTED,
            HPos::Left,
        )?;
        root.present().map_err(chart_error)?;
    }
    encode(&pixels, WIDTH, height)
}

/// The embedded font, parsed once, and registered with plotters under [`FAMILY`].
fn glyphs() -> anyhow::Result<&'static FontRef<'static>> {
    static FONT_REF: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT_REF
        .get_or_init(|| {
            let registered =
                plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok();
            FontRef::try_from_slice(FONT).ok().filter(|_| registered)
        })
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the embedded chart font does not load"))
}

fn chart_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing the chart failed: {e:?}")
}

/// RGB pixels into a PNG file (fast compression: the chart is flat colour).
fn encode(pixels: &[u8], width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(out)
}

fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), size, FontStyle::Normal)
}

/// The drawing, with pixel coordinates from the top left corner.
struct Canvas<'a, 'b> {
    area: &'a DrawingArea<BitMapBackend<'b>, Shift>,
    glyphs: &'a FontRef<'static>,
}

impl Canvas<'_, '_> {
    /// Where each character of `text` starts at `size`, from 0, and the width of the whole;
    /// a character the font lacks becomes □.
    fn layout(&self, text: &str, size: f64) -> (Vec<(char, f32)>, f32) {
        let font = self.glyphs.as_scaled(size as f32);
        let mut pen = 0.0;
        let mut previous = None;
        let mut placed = Vec::with_capacity(text.len());
        for c in text.chars() {
            let c = if font.glyph_id(c).0 == 0 { '□' } else { c };
            let id = font.glyph_id(c);
            if let Some(before) = previous {
                pen += font.kern(before, id);
            }
            placed.push((c, pen));
            pen += font.h_advance(id);
            previous = Some(id);
        }
        (placed, pen)
    }

    /// The width `text` takes at `size`.
    fn measure(&self, text: &str, size: f64) -> i32 {
        self.layout(text, size).1.ceil() as i32
    }

    /// `text` with its glyphs centred vertically on `at.1`, anchored left, centre or right at
    /// `at.0`.
    ///
    /// Each character is drawn on its own: plotters' ab_glyph backend puts a glyph's ink, not
    /// its origin, at the pen, which leaves gaps after narrow characters (乡, 1). Here each
    /// one goes to its pen position plus its left bearing.
    fn text(
        &mut self,
        text: &str,
        at: (i32, i32),
        size: f64,
        colour: RGBColor,
        h: HPos,
    ) -> anyhow::Result<()> {
        let (placed, width) = self.layout(text, size);
        let left = at.0 as f32
            - match h {
                HPos::Left => 0.0,
                HPos::Center => width / 2.0,
                HPos::Right => width,
            };
        // The backend puts the baseline half a size below the anchor's top, and a CJK glyph
        // spans from 0.85 of the size above its baseline to 0.1 below: its middle is 0.12 of
        // the size below the anchor's top.
        let top = at.1 - (size * 0.12).round() as i32;
        let style = TextStyle::from(font(size))
            .color(&colour)
            .pos(Pos::new(HPos::Left, VPos::Top));
        let font = self.glyphs.as_scaled(size as f32);
        for (c, pen) in placed {
            let Some(outline) = font.outline_glyph(font.scaled_glyph(c)) else {
                continue; // a space
            };
            let x = (left + pen + outline.px_bounds().min.x).round() as i32;
            self.area
                .draw(&Text::new(c.to_string(), (x, top), style.clone()))
                .map_err(chart_error)?;
        }
        Ok(())
    }

    fn rect(&mut self, from: (i32, i32), to: (i32, i32), style: ShapeStyle) -> anyhow::Result<()> {
        self.area
            .draw(&Rectangle::new([from, to], style))
            .map_err(chart_error)
    }

    fn line(&mut self, from: (i32, i32), to: (i32, i32), colour: RGBColor) -> anyhow::Result<()> {
        self.area
            .draw(&PathElement::new(vec![from, to], colour))
            .map_err(chart_error)
    }

    /// `text` cut with … to fit `width` pixels at `size`.
    fn fit(&self, text: &str, size: f64, width: i32) -> String {
        if self.measure(text, size) <= width {
            return text.to_owned();
        }
        let mut chars: Vec<char> = text.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let cut: String = chars.iter().collect::<String>() + "…";
            if self.measure(&cut, size) <= width {
                return cut;
            }
        }
        "…".to_owned()
    }

    /// Title, subtitle, and the legend with each status's count of tasks.
    fn header(&mut self, b: &Bulletin) -> anyhow::Result<()> {
        let centre = WIDTH as i32 / 2;
        let title = format!(
            "第{}期 督查通报 任务进度（{}）",
            b.number,
            period_name(&b.period)
        );
        let title = self.fit(&title, TITLE_SIZE, WIDTH as i32 - 2 * MARGIN);
        self.text(&title, (centre, 56), TITLE_SIZE, INK, HPos::Center)?;
        let subtitle = format!(
            "{}　{}　{}　序时进度{}",
            b.title,
            b.issuer,
            chinese_date(b.date),
            percent(b.expected_percent)
        );
        let subtitle = self.fit(&subtitle, SUBTITLE_SIZE, WIDTH as i32 - 2 * MARGIN);
        self.text(&subtitle, (centre, 108), SUBTITLE_SIZE, MUTED, HPos::Center)?;

        // The legend: 共N项任务 then a swatch and a label per status, centred as one line.
        let counts = task_counts(b);
        let shown: Vec<Status> = Status::ALL
            .into_iter()
            .filter(|s| *s != Status::Unlabelled || counts[s.index()] > 0)
            .collect();
        let lead = format!("共{}项任务：", b.tasks.len());
        let labels: Vec<String> = shown
            .iter()
            .map(|s| format!("{} {}项", s.legend(), counts[s.index()]))
            .collect();
        const SWATCH: i32 = 22;
        const GAP: i32 = 8;
        const SPACING: i32 = 32;
        let width: i32 = self.measure(&lead, SUBTITLE_SIZE)
            + labels
                .iter()
                .map(|l| SWATCH + GAP + self.measure(l, SUBTITLE_SIZE) + SPACING)
                .sum::<i32>()
            - SPACING;
        let y = 162;
        let mut x = centre - width / 2;
        self.text(&lead, (x, y), SUBTITLE_SIZE, INK, HPos::Left)?;
        x += self.measure(&lead, SUBTITLE_SIZE);
        for (status, label) in shown.iter().zip(&labels) {
            let swatch = ((x, y - SWATCH / 2), (x + SWATCH, y + SWATCH / 2));
            if counts[status.index()] > 0 {
                self.rect(swatch.0, swatch.1, status.colour().filled())?;
            } else {
                // No task has this status: an empty box, so its colour appears nowhere.
                self.rect(swatch.0, swatch.1, AXIS_LINE.stroke_width(1))?;
            }
            x += SWATCH + GAP;
            self.text(label, (x, y), SUBTITLE_SIZE, INK, HPos::Left)?;
            x += self.measure(label, SUBTITLE_SIZE) + SPACING;
        }
        Ok(())
    }

    /// A panel from `top`: caption, grid and ticks, one stacked bar per row with its total.
    fn panel(&mut self, panel: &Panel, top: i32) -> anyhow::Result<()> {
        self.text(
            &panel.caption,
            (MARGIN, top + CAPTION as i32 / 2),
            CAPTION_SIZE,
            INK,
            HPos::Left,
        )?;
        let plot_top = top + CAPTION as i32;
        let plot_bottom = plot_top + ROW as i32 * panel.rows.len().max(1) as i32;
        let largest = panel.rows.iter().map(Row::total).max().unwrap_or(0);
        let (step, upper) = scale(largest);
        let x_of = |n: usize| {
            PLOT_LEFT + ((PLOT_RIGHT - PLOT_LEFT) as f64 * n as f64 / upper as f64).round() as i32
        };

        // Grid lines and tick labels at every step, the axis title under the last.
        let mut tick = 0;
        while tick <= upper {
            let x = x_of(tick);
            let colour = if tick == 0 { AXIS_LINE } else { GRID };
            self.line((x, plot_top), (x, plot_bottom), colour)?;
            self.text(
                &tick.to_string(),
                (x, plot_bottom + 18),
                SMALL_SIZE,
                MUTED,
                HPos::Center,
            )?;
            tick += step;
        }
        self.line(
            (PLOT_LEFT, plot_bottom),
            (PLOT_RIGHT, plot_bottom),
            AXIS_LINE,
        )?;
        self.text(
            "任务数（项）",
            (PLOT_RIGHT, plot_bottom + 50),
            SMALL_SIZE,
            MUTED,
            HPos::Right,
        )?;

        if panel.rows.is_empty() {
            return self.text(
                "无",
                (PLOT_LEFT + 16, plot_top + ROW as i32 / 2),
                LABEL_SIZE,
                MUTED,
                HPos::Left,
            );
        }
        for (i, row) in panel.rows.iter().enumerate() {
            let middle = plot_top + ROW as i32 * i as i32 + ROW as i32 / 2;
            let name = self.fit(&row.name, LABEL_SIZE, LABELS_RIGHT - MARGIN);
            self.text(&name, (LABELS_RIGHT, middle), LABEL_SIZE, INK, HPos::Right)?;
            let mut sum = 0;
            for status in Status::ALL {
                let n = row.counts[status.index()];
                if n == 0 {
                    continue;
                }
                let (x0, x1) = (x_of(sum), x_of(sum + n));
                sum += n;
                self.rect(
                    (x0, middle - BAR / 2),
                    (x1, middle + BAR / 2),
                    status.colour().filled(),
                )?;
                let label = n.to_string();
                if self.measure(&label, SMALL_SIZE) + 8 <= x1 - x0 {
                    self.text(
                        &label,
                        ((x0 + x1) / 2, middle),
                        SMALL_SIZE,
                        status.text_colour(),
                        HPos::Center,
                    )?;
                }
            }
            self.text(
                &sum.to_string(),
                (x_of(sum) + 8, middle),
                SMALL_SIZE,
                INK,
                HPos::Left,
            )?;
        }
        Ok(())
    }
}

/// Every task by status.
fn task_counts(b: &Bulletin) -> [usize; 6] {
    let mut counts = [0; 6];
    for task in &b.tasks {
        counts[Status::of(task.reported, task.is_reported()).index()] += 1;
    }
    counts
}

/// The tick step (1, 2 or 5 × 10ⁿ, at most ten steps) and the axis's end for bars up to
/// `largest`.
fn scale(largest: usize) -> (usize, usize) {
    let largest = largest.max(1);
    let mut magnitude = 1;
    loop {
        for factor in [1, 2, 5] {
            let step = factor * magnitude;
            if largest.div_ceil(step) <= 10 {
                return (step, largest.div_ceil(step) * step);
            }
        }
        magnitude *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulletin::{LastReport, TaskStatus, Totals};

    /// Task `number` hosted by `host`, reported with `light` unless `None`, in `section`.
    fn task(number: u32, host: &str, light: Option<Light>, section: &str) -> TaskStatus {
        TaskStatus {
            number,
            text: format!("任务{number}"),
            section: Some(section.to_owned()),
            lead_leaders: vec!["张伟".into()],
            hosts: vec![host.to_owned()],
            co_organizers: Vec::new(),
            reported: light,
            derived: None,
            last_report: light.map(|_| LastReport {
                unit: host.to_owned(),
                text: "进展".into(),
                at: 0,
                late: false,
            }),
            figures: Vec::new(),
            silent_hosts: if light.is_some() {
                Vec::new()
            } else {
                vec![host.to_owned()]
            },
            deadline: None,
            evidence: Vec::new(),
            overdue: false,
        }
    }

    fn bulletin(tasks: Vec<TaskStatus>) -> Bulletin {
        let date = chrono::NaiveDate::from_ymd_opt(2022, 3, 31).unwrap();
        Bulletin {
            number: 1,
            period: "2022-03".into(),
            title: "督查通报".into(),
            issuer: "区政府督查室".into(),
            date,
            due: date,
            expected_percent: 24.7,
            totals: Totals::default(),
            tasks,
            units: Vec::new(),
            leaders: Vec::new(),
            changes: None,
            cycle: Default::default(),
        }
    }

    #[test]
    fn many_units_show_the_twenty_with_most_lagging_and_silent_tasks() {
        // Unit k hosts k tasks: k − 1 蓝 and the last one 红 when k is even, else unreported;
        // so every unit has one task in trouble and the larger units come first on a tie.
        let mut tasks = Vec::new();
        for k in 1..=30u32 {
            for j in 1..=k {
                let light = if j < k {
                    Some(Light::Blue)
                } else if k % 2 == 0 {
                    Some(Light::Red)
                } else {
                    None
                };
                let number = tasks.len() as u32 + 1;
                tasks.push(task(number, &format!("单位{k:02}"), light, "二、某部分"));
            }
        }
        // Unit 03 has a second task in trouble: it leads.
        tasks.push(task(1000, "单位03", Some(Light::Yellow), "二、某部分"));
        let panel = by_unit(&bulletin(tasks));
        assert_eq!(
            panel.caption,
            "按单位（共30个单位，显示滞后和未报送任务最多的前20个单位）"
        );
        let names: Vec<&str> = panel.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), MAX_ROWS);
        assert_eq!(names[..3], ["单位03", "单位30", "单位29"]);
        assert_eq!(names[19], "单位12");
        let first = &panel.rows[0];
        assert_eq!(first.counts, [2, 1, 0, 0, 0, 1]);
    }

    #[test]
    fn sections_keep_the_notice_order_and_tasks_without_one_go_under_other() {
        let mut tasks = vec![
            task(
                1,
                "区科技局",
                Some(Light::Done),
                "二、聚力制造强区建设，在工业经济上求突破",
            ),
            task(
                2,
                "区科技局",
                None,
                "三、聚力增强发展动力，在深化改革上求突破",
            ),
            task(
                3,
                "区财政局",
                Some(Light::Red),
                "二、聚力制造强区建设，在工业经济上求突破",
            ),
        ];
        let mut loose = task(4, "区财政局", Some(Light::Blue), "");
        loose.section = None;
        tasks.push(loose);
        let panel = by_section(&bulletin(tasks));
        assert_eq!(panel.caption, "按部分");
        let rows: Vec<(&str, usize)> = panel
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.total()))
            .collect();
        assert_eq!(
            rows,
            [
                ("二、聚力制造强区建设", 2),
                ("三、聚力增强发展动力", 1),
                ("其他", 1)
            ]
        );
        assert_eq!(panel.rows[0].counts, [0, 0, 1, 1, 0, 0]);
    }

    #[test]
    fn axes_end_on_a_round_step() {
        assert_eq!(scale(0), (1, 1));
        assert_eq!(scale(6), (1, 6));
        assert_eq!(scale(10), (1, 10));
        assert_eq!(scale(11), (2, 12));
        assert_eq!(scale(47), (5, 50));
        assert_eq!(scale(10_000), (1000, 10_000));
    }

    #[test]
    fn section_headings_are_cut_at_the_first_comma() {
        assert_eq!(
            short_section("二、聚力制造强区建设，在工业经济高质量发展上求突破、开新局"),
            "二、聚力制造强区建设"
        );
        assert_eq!(
            short_section("八、加强政府自身建设"),
            "八、加强政府自身建设"
        );
    }
}
