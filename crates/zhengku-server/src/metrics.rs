//! Prometheus metrics, kept in memory and rendered as the text exposition format at
//! `/metrics`: requests by route and status, a latency histogram by route, and licences
//! issued by type.
//!
//! Hand-written rather than a metrics crate: three metric families do not need a registry,
//! and the text format is simple. Each replica counts its own requests; Prometheus sums
//! across replicas.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Histogram bucket upper bounds, seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    issued: BTreeMap<String, u64>,
}

/// The counters. One per server; cheap to update (one short lock).
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Counts one finished request. `route` is the matched route template, never the raw
    /// path (identifiers in paths would make unbounded label sets).
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let Ok(mut m) = self.inner.lock() else { return };
        *m.requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let h = m.latency.entry(route.to_owned()).or_default();
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// Counts `n` licences issued of `type_code`.
    pub fn record_issued(&self, type_code: &str, n: u64) {
        if let Ok(mut m) = self.inner.lock() {
            *m.issued.entry(type_code.to_owned()).or_default() += n;
        }
    }

    /// The Prometheus text exposition (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(m) = self.inner.lock() else {
            return out;
        };
        // Writing to a String cannot fail; the results are ignored for that reason.
        let _ = writeln!(
            out,
            "# HELP zhengku_http_requests_total HTTP requests by method, route and status.\n\
             # TYPE zhengku_http_requests_total counter"
        );
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "zhengku_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP zhengku_http_request_duration_seconds Request latency by route.\n\
             # TYPE zhengku_http_request_duration_seconds histogram"
        );
        for (route, h) in &m.latency {
            let route = escape(route);
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "zhengku_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "zhengku_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 zhengku_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 zhengku_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP zhengku_licences_issued_total Licences issued by this replica, by type.\n\
             # TYPE zhengku_licences_issued_total counter"
        );
        for (type_code, n) in &m.issued {
            let _ = writeln!(
                out,
                "zhengku_licences_issued_total{{type_code=\"{}\"}} {n}",
                escape(type_code)
            );
        }
        out
    }
}

/// Escapes a label value (backslash, quote, newline).
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.record_request("GET", "/v1/x", 200, Duration::from_millis(3));
        m.record_request("GET", "/v1/x", 200, Duration::from_millis(30));
        m.record_issued("11100000MB0143028R001", 2);
        let text = m.render();
        assert!(text.contains(
            "zhengku_http_requests_total{method=\"GET\",route=\"/v1/x\",status=\"200\"} 2"
        ));
        assert!(text.contains("route=\"/v1/x\",le=\"0.0025\"} 0"));
        assert!(text.contains("route=\"/v1/x\",le=\"0.005\"} 1"));
        assert!(text.contains("route=\"/v1/x\",le=\"0.05\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(
            text.contains("zhengku_licences_issued_total{type_code=\"11100000MB0143028R001\"} 2")
        );
    }
}
