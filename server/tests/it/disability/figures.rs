//! The supervisor's figures counted by the store: each right's median delay from completeness
//! to the decision, its decisions by outcome, the share granted without a time limit, and the
//! requests near or past their limit, as both engines count them.

use chrono::NaiveDate;
use guichet::disability::figures;
use guichet::entity::disability_evaluation;

use super::*;

both_engines!(the_figures_count_delays_and_decisions_in_the_store);

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn the_figures_count_delays_and_decisions_in_the_store(backend: Backend) {
    let (app, _sink, gard) = setup(backend).await;
    let citizen = fatou(&gard).await;
    let now = Utc::now();
    let txn = gard.db().begin().await.unwrap();
    // (right, outcome, due day, decided on, without a time limit).
    let rows = [
        // Due 30 June: complete on 28 February (no 30 February), decided 30 days later.
        (
            "aah",
            Some("granted"),
            "2027-06-30",
            Some("2027-03-30"),
            false,
        ),
        (
            "aah",
            Some("refused"),
            "2027-05-01",
            Some("2027-01-11"),
            false,
        ),
        (
            "aah",
            Some("granted"),
            "2027-05-01",
            Some("2027-04-01"),
            false,
        ),
        (
            "rqth",
            Some("granted"),
            "2027-05-01",
            Some("2027-02-01"),
            true,
        ),
        (
            "rqth",
            Some("partial"),
            "2027-05-01",
            Some("2027-02-01"),
            false,
        ),
        // Adjourned: waiting, not decided.
        (
            "pch",
            Some("adjourned"),
            "2027-05-20",
            Some("2027-04-01"),
            false,
        ),
        ("pch", None, "2027-04-30", None, false),
    ];
    // One file per request (a file asks for a right once); the RQTH files' team found a rate
    // of 80 % or more, lasting: the law allows those rights without a time limit.
    for (right, outcome, due, decided, without_limit) in rows {
        let file = file_written(citizen.id, "Fatou DIALLO", Status::Decided, now)
            .insert(&txn)
            .await
            .unwrap();
        if right == "rqth" {
            disability_evaluation::ActiveModel {
                file_id: Set(file.id),
                citizen_id: Set(citizen.id),
                rate_band: Set(Some("from_80".into())),
                rsdae: Set(false),
                lasting: Set(true),
                updated_by_name: Set("Éva".into()),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .unwrap();
        }
        disability_request::ActiveModel {
            file_id: Set(file.id),
            citizen_id: Set(citizen.id),
            right_code: Set(right.into()),
            status: Set("decided".into()),
            due_on: Set(Some(day(due))),
            created_at: Set(now),
            outcome: Set(outcome.map(Into::into)),
            decided_on: Set(decided.map(day)),
            without_limit: Set(without_limit),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();

    let lines = figures::lines(&gard, day("2027-05-10")).await.unwrap();
    let line = |label: &str| {
        lines
            .iter()
            .find(|(l, _)| l.starts_with(label))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no « {label} » in {lines:?}"))
    };
    assert_eq!(
        line("Demandes à moins de 30 jours"),
        "1",
        "the adjourned PCH"
    );
    assert_eq!(line("Demandes au-delà"), "1", "the PCH due on 30 April");
    // 10, 30 and 90 days: a month (30 days; 28 would read « 0,9 mois »).
    assert_eq!(
        line("Délai médian entre complétude et décision — AAH"),
        "1,0 mois sur 3 décision(s)"
    );
    assert_eq!(line("Décisions — AAH"), "Accordé : 2 ; Refusé : 1");
    assert_eq!(
        line("Décisions — RQTH"),
        "Accordé : 1 ; Accordé en partie : 1"
    );
    assert!(lines.iter().all(|(l, _)| !l.contains("PCH")), "{lines:?}");
    // Of the two RQTH granted where the law allowed no limit, one was.
    assert_eq!(line("Droits accordés sans limitation"), "50 % (1 sur 2)");
    app.stop().await;
}
