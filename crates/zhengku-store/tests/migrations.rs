//! Migrations applied to a database that already holds rows: 0009 (PNG copies) rebuilds
//! SQLite's two copy tables, and what they held must come through, foreign keys included.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::borrow::Cow;
use std::str::FromStr;

use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");

#[tokio::test]
async fn sqlite_0009_keeps_copies_and_links_and_admits_png() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("z.db").display());
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    // The schema as of 0008, with a copy and its link in it.
    let upto_8 = Migrator {
        migrations: Cow::Owned(SQLITE.iter().filter(|m| m.version <= 8).cloned().collect()),
        ..Migrator::DEFAULT
    };
    upto_8.run(&pool).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO departments (name, uscc, region_code, key_label, created_at)
             VALUES ('d', '11330106MB0B12345L', '330106', 'k', 1);
         INSERT INTO licences (identifier, type_code, issuer_uscc, holder_code,
             holder_code_type, status, signed, valid_from, issued_at, updated_at)
             VALUES ('L1', 't', '11330106MB0B12345L', 'h', '001', 'valid', x'00',
                     '2024-01-01', 1, 1);
         INSERT INTO licence_copies VALUES ('c1', 'L1', 'd', 'a', 'cause', 'matter', 5,
             '2027-01-01', 'ofd', x'0102');
         INSERT INTO copy_links VALUES (x'aa', 'c1', 'a', 6, 7, NULL);",
    )
    .execute(&pool)
    .await
    .unwrap();

    SQLITE.run(&pool).await.unwrap();

    let copy = sqlx::query("SELECT identifier, format, file FROM licence_copies WHERE id = 'c1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(copy.get::<String, _>(0), "L1");
    assert_eq!(copy.get::<String, _>(1), "ofd");
    assert_eq!(copy.get::<Vec<u8>, _>(2), vec![1, 2]);
    let link = sqlx::query("SELECT copy_id, expires_at FROM copy_links")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(link.get::<String, _>(0), "c1");
    assert_eq!(link.get::<i64, _>(1), 7);
    // The links still refer to the copies table by its name, and it is enforced.
    let refers: String =
        sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list('copy_links')")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(refers, "licence_copies");
    let orphan = sqlx::raw_sql("INSERT INTO copy_links VALUES (x'bb', 'nope', 'a', 6, 7, NULL)")
        .execute(&pool)
        .await;
    assert!(orphan.is_err(), "a link to no copy was accepted");
    // PNG admitted, anything else still refused.
    sqlx::raw_sql(
        "INSERT INTO licence_copies VALUES ('c2', 'L1', 'd', 'a', 'c', 'm', 5, '2027-01-01',
             'png', x'01')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let gif = sqlx::raw_sql(
        "INSERT INTO licence_copies VALUES ('c3', 'L1', 'd', 'a', 'c', 'm', 5, '2027-01-01',
             'gif', x'01')",
    )
    .execute(&pool)
    .await;
    assert!(gif.is_err());
    let index: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE name = 'licence_copies_identifier'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(index, 1);
}
