/** The dashboard's script (served at <path>/assets/dashboard.js): confirmations and live updates. */
export const DASHBOARD_JS = `
(function () {
  'use strict';
  var body = document.body;
  var base = body.getAttribute('data-base') || '';
  var status = document.getElementById('live-status');
  var content = document.getElementById('content');
  var busy = false, queued = false, timer = null;

  // Drop ?flash= / ?error= once shown, so a reload does not show them again.
  var url = new URL(location.href);
  if (url.searchParams.has('flash') || url.searchParams.has('error')) {
    url.searchParams.delete('flash'); url.searchParams.delete('error');
    history.replaceState(null, '', url.pathname + url.search);
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    var message = form.getAttribute && form.getAttribute('data-confirm');
    if (message && !window.confirm(message)) e.preventDefault();
  });

  function interacting() {
    var active = document.activeElement;
    if (active && content.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return true;
    return content.querySelector('details[open]') !== null;
  }

  function refresh() {
    if (document.hidden || interacting()) return;
    if (busy) { queued = true; return; }
    busy = true;
    fetch(location.pathname + location.search, { headers: { 'X-Dashboard-Partial': '1' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (markup) {
        if (markup !== null && !interacting()) {
          content.innerHTML = markup;
          body.setAttribute('data-refreshed', String(Date.now()));
        }
      })
      .catch(function () {})
      .then(function () { busy = false; if (queued) { queued = false; soon(); } });
  }

  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 400); }

  setInterval(refresh, 5000);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });

  if (body.getAttribute('data-events') === '1' && window.EventSource) {
    var source = new EventSource(base + '/api/events');
    source.onopen = function () { status.classList.add('on'); status.title = 'Live: following the event stream'; };
    source.onerror = function () { status.classList.remove('on'); status.title = 'Reconnecting; polling meanwhile'; };
    source.onmessage = function () { soon(); };
  }
})();
`;
