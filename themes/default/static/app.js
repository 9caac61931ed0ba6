// Atrium's few lines of behaviour. No inline scripts anywhere: the
// Content-Security-Policy allows only files served by Atrium itself.
(function () {
  'use strict';

  // After a boosted navigation swaps the main area, move focus to the new
  // heading so screen readers announce the page, as a full load would.
  document.addEventListener('htmx:afterSettle', function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== 'main') return;
    // An outerHTML swap replaced the element the event names; find the new one.
    var heading = document.querySelector('#main h1');
    if (heading) heading.focus({ preventScroll: true });
  });

  // The event stream: close it when the page goes (a page kept in the
  // back-forward cache would hold its connection, and a browser gives a
  // server six), and start afresh when such a page comes back.
  window.addEventListener('pagehide', function () {
    var data = document.body && document.body['htmx-internal-data'];
    if (data && data.sseEventSource) data.sseEventSource.close();
  });
  window.addEventListener('pageshow', function (event) {
    if (event.persisted && document.body.hasAttribute('sse-connect')) window.location.reload();
  });

  // The navigation is swapped whole from /nav when a count changes, and the
  // buttons in the new one were left without htmx's handlers (the swap's
  // own target is gone by then): take them up once the swap has settled.
  document.addEventListener('htmx:afterSwap', function (event) {
    var elt = event.detail && event.detail.requestConfig && event.detail.requestConfig.path;
    if (elt !== '/nav') return;
    window.setTimeout(function () {
      var nav = document.getElementById('nav');
      if (nav && window.htmx) window.htmx.process(nav);
    }, 50);
  });

  // The side panel: shown when a panel button's page arrives (or the
  // message that it cannot come now), hidden with its close button.
  document.addEventListener('htmx:afterSwap', function (event) {
    if (event.detail.target && event.detail.target.id === 'panel-body') {
      document.getElementById('side-panel').hidden = false;
    }
  });
  document.addEventListener('htmx:responseError', function (event) {
    var target = event.detail.target;
    if (target && target.id === 'panel-body') document.getElementById('side-panel').hidden = false;
  });
  document.addEventListener('htmx:sendError', function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute('data-panel')) return;
    var body = document.getElementById('panel-body');
    body.textContent = body.getAttribute('data-offline') || '';
    document.getElementById('side-panel').hidden = false;
  });
  document.addEventListener('click', function (event) {
    if (event.target.closest('[data-panel-close]')) document.getElementById('side-panel').hidden = true;
  });

  // Desktop notifications: a page offers them with a button
  // (data-ask-notifications), the browser asks the person; then a live
  // event that brings an element with data-notify shows it while the tab
  // is in the background.
  document.addEventListener('click', function (event) {
    var ask = event.target.closest('[data-ask-notifications]');
    if (!ask || !('Notification' in window)) return;
    Notification.requestPermission().then(function (answer) {
      ask.hidden = answer === 'granted';
    });
  });
  document.addEventListener('htmx:sseMessage', function (event) {
    if (!document.hidden || !('Notification' in window) || Notification.permission !== 'granted') return;
    var root = event.target || document;
    root.querySelectorAll('[data-notify]:not([data-notified])').forEach(function (el) {
      el.setAttribute('data-notified', '');
      new Notification(el.getAttribute('data-notify-title') || document.title, { body: el.getAttribute('data-notify') });
    });
  });

  // Close the user menu with Escape or a click elsewhere.
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    document.querySelectorAll('details.usermenu[open]').forEach(function (menu) {
      menu.removeAttribute('open');
      menu.querySelector('summary').focus();
    });
  });
  document.addEventListener('click', function (event) {
    document.querySelectorAll('details.usermenu[open]').forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute('open');
    });
  });
})();
