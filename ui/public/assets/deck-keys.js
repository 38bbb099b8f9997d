// The presenter page's own keys (the slide keys are Streamlit button shortcuts): F full screen; N the speaker
// notes (clicks the link below the slide). Nothing loaded from anywhere.
if (!window.__bridgesDeckKeys) {
  window.__bridgesDeckKeys = true;
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var tag = (e.target && e.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    if (e.key === 'f' || e.key === 'F') {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen().catch(function () {}); }
    } else if (e.key === 'n' || e.key === 'N') {
      var a = document.querySelector('.st-key-bridges-controls a[href*="notes=1"]');
      if (a) a.click();
    }
  });
}
