//! An indicator's months as a bar chart, drawn on the server as SVG (`plotters`): no script to
//! download, readable without JavaScript. It has a title and a description for screen
//! readers, and the page puts the data table beside it.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::indicators::Unit;
use super::publish::{Cell, Table, format_value};

/// The France's blue of the State's design system: contrast 15:1 on white.
const BAR: RGBColor = RGBColor(0, 0, 145);

/// The chart of `table`'s figures for everyone, as an `<svg>` element whose title is
/// `title` (`id` names it for `aria-labelledby`). Months hidden by secrecy have no bar.
pub fn svg(table: &Table, id: &str, title: &str, description: &str) -> String {
    // Nothing shown, nothing to draw: the sentence says why.
    if !table.everyone().iter().any(|c| c.value().is_some()) {
        return String::new();
    }
    let values: Vec<Option<f64>> = table.everyone().iter().map(Cell::value).collect();
    let labels: Vec<String> = table.months.iter().map(|m| short_month(*m)).collect();
    let mut out = String::new();
    if let Err(e) = draw(&mut out, &labels, &values, table.indicator.unit) {
        // Drawing into a string cannot fail for want of a device; say so rather than panic.
        tracing::warn!(error = %e, "chart not drawn");
        return String::new();
    }
    accessible(&out, id, title, description)
}

fn draw(
    out: &mut String,
    labels: &[String],
    values: &[Option<f64>],
    unit: Unit,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, (640, 260)).into_drawing_area();
    root.fill(&WHITE)?;
    let highest = values.iter().flatten().copied().fold(0.0, f64::max);
    let top = match unit {
        Unit::Share => 1.0,
        // Counts shown are 0 or past the threshold: whole numbers on the axis.
        Unit::Count if highest <= 0.0 => 10.0,
        _ if highest <= 0.0 => 1.0,
        _ => highest * 1.1,
    };
    let months = labels.len().max(1) as i32;
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d((0..months).into_segmented(), 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(labels.len().min(12))
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                labels.get(*i as usize).cloned().unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        })
        .y_labels(5)
        .y_label_formatter(&|y| format_value(*y, unit))
        .label_style(("sans-serif", 13))
        .draw()?;
    chart.draw_series(values.iter().enumerate().filter_map(|(i, value)| {
        let i = i as i32;
        value.map(|v| {
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), v),
                ],
                BAR.filled(),
            );
            bar.set_margin(0, 0, 3, 3);
            bar
        })
    }))?;
    root.present()?;
    Ok(())
}

/// « avr. 26 »: short enough for twelve under the chart (the usual French abbreviations).
fn short_month(month: super::indicators::Month) -> String {
    use chrono::Datelike;
    const SHORT: [&str; 12] = [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ];
    let day = month.first_day();
    format!("{} {:02}", SHORT[day.month0() as usize], day.year() % 100)
}

/// The drawing as an image with a name: `role="img"`, its `<title>` and `<desc>` first, and
/// sized by its box so it shrinks on a phone.
fn accessible(svg: &str, id: &str, title: &str, description: &str) -> String {
    let Some(open_end) = svg.find('>') else {
        return String::new();
    };
    let (open, rest) = svg.split_at(open_end);
    let open = open
        .replacen("width=\"640\"", "", 1)
        .replacen("height=\"260\"", "", 1);
    format!(
        "{open} class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        escape(title),
        escape(description),
        &rest[1..]
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::indicators::Month;

    #[test]
    fn a_chart_is_an_image_with_its_title_and_a_bar_per_month_shown() {
        let indicator = &crate::aid_requests::indicators::INDICATORS.list[0];
        let months = ["2026-02", "2026-03", "2026-04"].map(|m| Month::parse(m).unwrap());
        let table = Table {
            indicator,
            breakdown: None,
            months: months.to_vec(),
            columns: vec![(String::new(), "Ensemble".into())],
            cells: vec![
                vec![Cell::Value(40.0)],
                vec![Cell::Secret],
                vec![Cell::Value(25.0)],
            ],
            month_totals: None,
            period_totals: None,
        };
        let svg = svg(&table, "c1", "Demandes déposées <par mois>", "40 puis 25.");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"c1-title\">Demandes déposées &lt;par mois&gt;</title>"));
        assert!(svg.contains("viewBox"), "{svg}");
        assert!(svg.contains("févr. 26") && svg.contains("avr. 26"), "{svg}");
        // Two bars: the secret month has none.
        assert_eq!(svg.matches("fill=\"#000091\"").count(), 2, "{svg}");
    }
}
