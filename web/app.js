// The page: sign-in, then the caller's todos. Settings come from config.json beside it.
import { createApi } from './api.js';
import * as auth from './auth.js';

const DEFAULT_PAGE_SIZE = 20;
const $ = (id) => document.getElementById(id);
// A due date is a day, not an instant: read and written in UTC, no time zone moves it.
const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

const state = {
  config: null,
  api: null,
  session: null,
  expiryTimer: null,
  next: null,
  // Counts the lists begun (sign-in, filter): an answer to an older one is dropped.
  listing: 0,
  // The todos on screen by id: each row acts on the version it shows.
  todos: new Map(),
};

/** ?limit=N on the page's URL sets the page size (1 to 100), for trying paging out. */
function pageSize() {
  const asked = Number.parseInt(new URLSearchParams(location.search).get('limit'), 10);
  return asked >= 1 && asked <= 100 ? asked : DEFAULT_PAGE_SIZE;
}

function clearMessages() {
  $('notice').textContent = '';
  $('problem').textContent = '';
}

function notify(text) {
  clearMessages();
  $('notice').textContent = text;
}

function describe(error, text) {
  const parts = [text ?? error.message];
  if (error.code) parts.push(`(${error.code})`);
  if (error.requestId) parts.push(`Request id: ${error.requestId}`);
  return parts.join(' ');
}

function complain(error, text) {
  clearMessages();
  $('problem').textContent = describe(error, text);
}

/**
 * The text a todo may have, or null after saying why not and returning to the field. The
 * API refuses only white space too; said here first, it is said plainly, without a code.
 */
function todoText(input) {
  if (input.value.trim()) return input.value;
  complain({ message: 'Write what the todo is: it cannot be only spaces.' });
  input.focus();
  return null;
}

/** Every user action: its error is shown, and a refused token means signing in again. */
async function act(action) {
  try {
    await action();
  } catch (error) {
    if (error.signInRequired) return; // signOut has already said why
    complain(error);
  }
}

function showSignIn(reason) {
  clearTimeout(state.expiryTimer);
  state.session = null;
  $('who').hidden = true;
  $('todos').hidden = true;
  $('sign-in').hidden = false;
  const local = state.config.identity === 'local';
  $('local-sign-in').hidden = !local;
  $('cognito-sign-in').hidden = local;
  if (reason) complain({ message: reason });
  (local ? $('user') : $('cognito-button')).focus();
}

function signOut(reason) {
  auth.clearSession();
  $('list').replaceChildren();
  state.todos.clear();
  showSignIn(reason);
}

function onSignInRequired(error) {
  signOut(describe(error, 'Your sign-in has expired or was refused. Please sign in again.'));
}

async function showTodos(session) {
  state.session = session;
  // Signing out when the token expires beats sending requests that can only fail.
  state.expiryTimer = setTimeout(
    () => signOut('Your sign-in has expired. Please sign in again.'),
    session.expiresAt - Date.now(),
  );
  $('who-name').textContent = session.user;
  $('who').hidden = false;
  $('sign-in').hidden = true;
  $('todos').hidden = false;
  $('new-text').focus();
  await act(reload);
}

function filterValue() {
  const value = $('filter').value;
  return value === '' ? undefined : value === 'true';
}

function shown(todo) {
  const filter = filterValue();
  return filter === undefined || todo.checked === filter;
}

// What an empty list says, by the filter's value.
const EMPTY = { '': 'No todos yet.', false: 'No open todos.', true: 'No done todos.' };

function updateListState() {
  $('more').hidden = !state.next;
  $('empty').hidden = state.todos.size > 0 || Boolean(state.next);
  $('empty').textContent = EMPTY[$('filter').value];
}

async function reload() {
  state.listing += 1;
  state.todos.clear();
  state.next = null;
  $('list').replaceChildren();
  await loadPage({ limit: pageSize(), checked: filterValue() });
}

async function loadPage(query) {
  const listing = state.listing;
  $('list').setAttribute('aria-busy', 'true');
  $('more').disabled = true;
  try {
    let page = await state.api.list(query);
    // Filtered, a page may hold none of the todos it read (the API pages before it
    // filters): read on until one shows some or none follow, never a blank list and "More".
    while (page.todos.length === 0 && page.next && listing === state.listing) {
      page = await state.api.list({ next: page.next });
    }
    // A page of a listing since replaced (the filter changed meanwhile) is not shown.
    if (listing !== state.listing) return;
    page.todos.forEach(addRow);
    state.next = page.next;
  } finally {
    $('list').removeAttribute('aria-busy');
    $('more').disabled = false;
    updateListState();
  }
}

function rowOf(todo) {
  return document.querySelector(`li[data-id="${CSS.escape(todo.todoId)}"]`);
}

function renderRow(todo) {
  const row = $('todo-item').content.firstElementChild.cloneNode(true);
  const id = `todo-${todo.todoId}`;
  row.dataset.id = todo.todoId;
  row.classList.toggle('done', todo.checked);
  const toggle = row.querySelector('.toggle');
  toggle.id = id;
  toggle.checked = todo.checked;
  const text = row.querySelector('.text');
  text.htmlFor = id;
  text.textContent = todo.text;
  const due = row.querySelector('.due');
  due.hidden = !todo.dueDate;
  if (todo.dueDate) {
    due.dateTime = todo.dueDate;
    due.textContent = `Due ${DAY.format(new Date(`${todo.dueDate}T00:00:00Z`))}`;
  }
  row.querySelector('.edit').setAttribute('aria-label', `Edit “${todo.text}”`);
  row.querySelector('.delete').setAttribute('aria-label', `Delete “${todo.text}”`);
  row.querySelector('.edit-label').htmlFor = `${id}-edit`;
  row.querySelector('.edit-text').id = `${id}-edit`;
  row.querySelector('.edit-due-label').htmlFor = `${id}-due`;
  row.querySelector('.edit-due').id = `${id}-due`;
  wireRow(row);
  return row;
}

function addRow(todo) {
  // A todo created while its page was being read arrives twice: show it once, as the
  // newest version seen.
  const shownAlready = state.todos.get(todo.todoId);
  if (shownAlready) {
    if (todo.version > shownAlready.version) replaceRow(todo);
    return;
  }
  state.todos.set(todo.todoId, todo);
  $('list').append(renderRow(todo));
}

function replaceRow(todo) {
  state.todos.set(todo.todoId, todo);
  rowOf(todo)?.replaceWith(renderRow(todo));
}

function dropRow(todo) {
  state.todos.delete(todo.todoId);
  rowOf(todo)?.remove();
  updateListState();
}

/** Puts the stored todo on screen after a change was refused (412, 404). */
async function refresh(todo) {
  try {
    const stored = await state.api.get(todo);
    shown(stored) ? replaceRow(stored) : dropRow(stored);
  } catch (error) {
    if (error.status !== 404) throw error;
    dropRow(todo);
  }
}

/** A write to one todo; a conflict or a todo gone elsewhere shows what is stored now. */
async function write(todo, change) {
  try {
    await change();
  } catch (error) {
    if (error.status === 412) {
      await refresh(todo);
      complain(error, 'This todo was changed elsewhere, so your change was not saved. '
        + 'It now shows what is stored: check it and try again.');
      rowOf(todo)?.querySelector('.toggle')?.focus();
      return;
    }
    if (error.status === 404) {
      dropRow(todo);
      complain(error, 'This todo was deleted elsewhere.');
      $('new-text').focus();
      return;
    }
    throw error;
  }
}

function current(row) {
  return state.todos.get(row.dataset.id);
}

function wireRow(row) {
  const form = row.querySelector('.edit-form');
  const view = row.querySelector('.view');
  const input = row.querySelector('.edit-text');
  const dueInput = row.querySelector('.edit-due');
  const closeEditor = () => {
    form.hidden = true;
    view.hidden = false;
    row.querySelector('.edit').focus();
  };
  row.querySelector('.toggle').addEventListener('change', (event) => act(
    () => toggle(current(row), event.target),
  ));
  row.querySelector('.edit').addEventListener('click', () => {
    input.value = current(row).text;
    dueInput.value = current(row).dueDate ?? '';
    view.hidden = true;
    form.hidden = false;
    input.focus();
  });
  row.querySelector('.cancel').addEventListener('click', closeEditor);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeEditor();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = todoText(input);
    // An emptied date removes the due date (null), as the API reads it.
    if (text !== null) act(() => edit(current(row), { text, dueDate: dueInput.value || null }));
  });
  row.querySelector('.delete').addEventListener('click', () => act(() => remove(current(row))));
}

async function toggle(todo, checkbox) {
  checkbox.disabled = true;
  try {
    await write(todo, async () => {
      const updated = await state.api.update(todo, { checked: checkbox.checked });
      if (shown(updated)) {
        replaceRow(updated);
        rowOf(updated).querySelector('.toggle').focus();
      } else {
        dropRow(updated);
        $('filter').focus();
      }
      notify(`Marked “${updated.text}” as ${updated.checked ? 'done' : 'open'}.`);
    });
  } finally {
    checkbox.disabled = false;
    // A refused change must not leave the box showing what was not saved.
    const stored = state.todos.get(todo.todoId);
    if (stored && checkbox.isConnected) checkbox.checked = stored.checked;
  }
}

async function edit(todo, changes) {
  await write(todo, async () => {
    const updated = await state.api.update(todo, changes);
    replaceRow(updated);
    rowOf(updated).querySelector('.edit').focus();
    notify(`Saved “${updated.text}”.`);
  });
}

async function remove(todo) {
  await write(todo, async () => {
    await state.api.remove(todo);
    dropRow(todo);
    $('new-text').focus();
    notify(`Deleted “${todo.text}”.`);
  });
}

async function create(event) {
  event.preventDefault();
  const input = $('new-text');
  const due = $('new-due');
  const text = todoText(input);
  if (text === null) return;
  const button = event.submitter;
  if (button) button.disabled = true;
  try {
    const fields = { text };
    if (due.value) fields.dueDate = due.value;
    const todo = await state.api.create(fields);
    // Ids grow with time: while later pages are unread, the new todo belongs on one of them.
    if (!state.next && shown(todo)) addRow(todo);
    updateListState();
    input.value = '';
    due.value = '';
    notify(`Added “${todo.text}”.`);
  } finally {
    if (button) button.disabled = false;
    input.focus();
  }
}

async function signIn(event) {
  event.preventDefault();
  const user = $('user').value;
  const ttl = Number.parseInt($('ttl').value, 10);
  try {
    const session = await auth.localSignIn(state.config, user, ttl);
    notify(`Signed in as ${session.user}.`);
    await showTodos(session);
  } catch (error) {
    complain(error);
  }
}

function wirePage() {
  $('local-sign-in').addEventListener('submit', signIn);
  $('cognito-button').addEventListener('click', () => act(
    () => auth.startCognitoSignIn(state.config),
  ));
  $('sign-out').addEventListener('click', () => {
    signOut();
    // Forgetting the token is not enough where a hosted UI keeps a session of its own.
    if (state.config.identity === 'cognito') auth.endCognitoSession(state.config);
  });
  $('create').addEventListener('submit', (event) => act(() => create(event)));
  $('filter').addEventListener('change', () => {
    // What was said was about the list before: it would read as about this one.
    clearMessages();
    act(reload);
  });
  $('more').addEventListener('click', () => act(() => loadPage({ next: state.next })));
}

async function start() {
  const response = await fetch('config.json', { cache: 'no-store' });
  state.config = await response.json();
  state.api = createApi({
    apiUrl: state.config.apiUrl,
    apiKey: state.config.apiKey,
    token: () => state.session?.token,
    onSignInRequired,
  });
  wirePage();
  let session = null;
  if (state.config.identity === 'cognito') {
    try {
      session = await auth.finishCognitoSignIn(state.config);
    } catch (error) {
      showSignIn(error.message);
      return;
    }
  }
  session ??= auth.currentSession();
  if (session) await showTodos(session);
  else showSignIn();
}

start().catch((error) => {
  $('problem').textContent = `The page could not start: ${error.message}`;
});
