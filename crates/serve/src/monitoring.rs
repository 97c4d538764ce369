//! The decisions the service monitors (`--dossiers DIR`: every dossier folder in it, opened
//! once at the start) and its store of snapshots (`<state>/monitor.sqlite`, the monitoring
//! crate's append-only schema). A decision is named by the SHA-256 of its dossier's manifest;
//! nothing from a request becomes a path.

use anyhow::{Context, Result};
use spreiding_monitor::store::Store;
use spreiding_monitor::Decision;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

/// A served decision.
pub struct Served {
    /// The dossier's folder name (never its path).
    pub name: String,
    pub decision: Decision,
}

/// The decisions and the store.
pub struct Monitoring {
    pub decisions: BTreeMap<String, Served>,
    store: Mutex<Store>,
}

impl Monitoring {
    /// Opens every dossier in `dossiers` (a folder that is not one is passed over with a
    /// warning) and the store in `state`.
    pub fn load(dossiers: Option<&Path>, state: &Path) -> Result<Monitoring> {
        let mut decisions = BTreeMap::new();
        if let Some(dir) = dossiers {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .with_context(|| format!("--dossiers {}: cannot be read", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("manifest.json").is_file())
                .collect();
            entries.sort();
            for path in entries {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                match spreiding_monitor::open_decision(&path) {
                    Ok(decision) => {
                        decisions.insert(decision.id.clone(), Served { name, decision });
                    }
                    Err(e) => tracing::warn!("dossier {name}: not monitored: {e:#}"),
                }
            }
        }
        let store = Store::open(&state.join("monitor.sqlite"), true)?;
        Ok(Monitoring { decisions, store: Mutex::new(store) })
    }

    /// The store, locked.
    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}
