//! Prometheus text metrics: request counts and latency histograms by route pattern
//! (patterns, not paths, so ids do not explode the label set), and the outbox depth.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

const BUCKETS_SECONDS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct RouteStats {
    count: u64,
    sum_seconds: f64,
    /// Cumulative counts per bucket, as Prometheus expects.
    buckets: [u64; BUCKETS_SECONDS.len()],
}

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String, u16), RouteStats>>,
    /// By `CacheRead`, in its order.
    accepted_cache: [std::sync::atomic::AtomicU64; 3],
}

/// How a read of a published accepted list was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheRead {
    /// From memory, with no database round trip (nothing changed since it was confirmed).
    Memory,
    /// From memory, after one query confirmed it current.
    Confirmed,
    /// Built again from the database.
    Rebuilt,
}

impl CacheRead {
    const ALL: [CacheRead; 3] = [CacheRead::Memory, CacheRead::Confirmed, CacheRead::Rebuilt];

    fn label(self) -> &'static str {
        match self {
            CacheRead::Memory => "memory",
            CacheRead::Confirmed => "confirmed",
            CacheRead::Rebuilt => "rebuilt",
        }
    }
}

impl Metrics {
    /// A read of a published accepted list, and how it was served.
    pub fn record_cache(&self, read: CacheRead) {
        self.accepted_cache[read as usize].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many reads of published accepted lists were served so.
    pub fn cache_count(&self, read: CacheRead) -> u64 {
        self.accepted_cache[read as usize].load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let stats = routes
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        stats.count += 1;
        stats.sum_seconds += seconds;
        for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS_SECONDS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    pub fn render(&self, outbox_by_state: &[(String, i64)]) -> String {
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str(
            "# HELP mcfp_http_requests_total HTTP requests by method, route pattern and status.\n",
        );
        out.push_str("# TYPE mcfp_http_requests_total counter\n");
        for ((method, route, status), stats) in routes.iter() {
            let _ = writeln!(
                out,
                "mcfp_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                stats.count
            );
        }
        out.push_str(
            "# HELP mcfp_http_request_duration_seconds HTTP request latency by route pattern.\n",
        );
        out.push_str("# TYPE mcfp_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), RouteStats> = BTreeMap::new();
        for ((method, route, _), stats) in routes.iter() {
            let merged = by_route.entry((method, route)).or_default();
            merged.count += stats.count;
            merged.sum_seconds += stats.sum_seconds;
            for (m, s) in merged.buckets.iter_mut().zip(stats.buckets) {
                *m += s;
            }
        }
        for ((method, route), stats) in &by_route {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, count) in BUCKETS_SECONDS.iter().zip(stats.buckets) {
                let _ = writeln!(
                    out,
                    "mcfp_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "mcfp_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "mcfp_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.sum_seconds
            );
            let _ = writeln!(
                out,
                "mcfp_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
        out.push_str("# HELP mcfp_accepted_cache_total Reads of published accepted lists: from memory with no query, from memory after one query confirmed it, or rebuilt.\n");
        out.push_str("# TYPE mcfp_accepted_cache_total counter\n");
        for read in CacheRead::ALL {
            let _ = writeln!(
                out,
                "mcfp_accepted_cache_total{{result=\"{}\"}} {}",
                read.label(),
                self.cache_count(read)
            );
        }
        out.push_str("# HELP mcfp_outbox_emails Emails in the outbox by state.\n");
        out.push_str("# TYPE mcfp_outbox_emails gauge\n");
        for state in ["queued", "sent", "failed"] {
            let count = outbox_by_state
                .iter()
                .find(|(s, _)| s == state)
                .map_or(0, |(_, n)| *n);
            let _ = writeln!(out, "mcfp_outbox_emails{{state=\"{state}\"}} {count}");
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_outbox_depth() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/api/v1/events/{slug}", 200, 0.02);
        metrics.observe("GET", "/api/v1/events/{slug}", 404, 0.2);
        let text = metrics.render(&[("queued".into(), 3)]);
        assert!(text.contains("mcfp_http_requests_total{method=\"GET\",route=\"/api/v1/events/{slug}\",status=\"200\"} 1"));
        assert!(text.contains("mcfp_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{slug}\",le=\"0.025\"} 1"));
        assert!(text.contains("mcfp_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/events/{slug}\",le=\"0.25\"} 2"));
        assert!(text.contains("mcfp_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/events/{slug}\"} 2"));
        assert!(text.contains("mcfp_outbox_emails{state=\"queued\"} 3"));
        assert!(text.contains("mcfp_outbox_emails{state=\"failed\"} 0"));
    }
}
