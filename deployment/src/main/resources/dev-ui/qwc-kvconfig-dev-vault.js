import { LitElement, html } from 'lit';
import { JsonRpc } from 'jsonrpc';
import { kvStyles } from './qwc-kvconfig-styles.js';
import '@vaadin/button';
import '@vaadin/text-field';
import '@vaadin/password-field';
import '@vaadin/progress-bar';

/**
 * The Dev Service's dev vault: its URL and resource, its secrets by name (enabled, updated), and a form to set or
 * delete a secret. A value goes in through the form and is never read back: the service answers with names and
 * attributes only. With a vault the app configured itself, the page says so and offers no writes (the service
 * refuses them too).
 */
export class QwcKvconfigDevVault extends LitElement {

    jsonRpc = new JsonRpc(this);
    // writes carry a value: kept out of the Dev UI's JSON-RPC traffic log
    _writes = new JsonRpc(this, false);

    static styles = kvStyles;

    static properties = {
        _vault: { state: true },
        _message: { state: true },
        _failed: { state: true },
        _busy: { state: true }
    };

    connectedCallback() {
        super.connectedCallback();
        this._load();
    }

    _load() {
        return this.jsonRpc.getDevVault()
            .then(response => { this._vault = response.result; })
            .catch(error => { this._show(false, 'could not load the dev vault: ' + (error?.error?.message ?? error)); });
    }

    _show(ok, message) {
        this._failed = !ok;
        this._message = message;
    }

    _setSecret() {
        const name = this.shadowRoot.getElementById('secret-name');
        const value = this.shadowRoot.getElementById('secret-value');
        this._busy = true;
        this._writes.setSecret({ name: name.value, value: value.value })
            .then(response => {
                const result = response.result;
                this._show(result.ok, result.message);
                if (result.ok) {
                    name.value = '';
                }
                return this._load();
            })
            .catch(error => this._show(false, 'could not set the secret: ' + (error?.error?.message ?? error)))
            .finally(() => { value.value = ''; this._busy = false; });
    }

    _deleteSecret(name) {
        if (!window.confirm("Delete (and purge) secret '" + name + "' from the dev vault?")) {
            return;
        }
        this._busy = true;
        this.jsonRpc.deleteSecret({ name: name })
            .then(response => { this._show(response.result.ok, response.result.message); return this._load(); })
            .catch(error => this._show(false, 'could not delete the secret: ' + (error?.error?.message ?? error)))
            .finally(() => { this._busy = false; });
    }

    render() {
        if (!this._vault) {
            return html`${this._renderMessage()}<vaadin-progress-bar indeterminate></vaadin-progress-bar>`;
        }
        const v = this._vault;
        if (!v.devService) {
            return html`
                <div class="facts"><span>Vault</span><span id="vault-url">${v.vaultUrl ?? '(none configured)'}</span></div>
                <div id="not-dev-vault" class="message">No Dev Service dev vault: ${v.message}</div>`;
        }
        return html`
            <div class="facts">
                <span>Dev vault</span><span id="vault-url"><code>${v.vaultUrl}</code></span>
                <span>Resource</span><span>${v.vaultName} in resource group ${v.resourceGroup} (subscription ${v.subscriptionId})</span>
            </div>
            ${this._renderMessage()}
            <h3>Set a secret</h3>
            <div class="form">
                <vaadin-text-field id="secret-name" label="Name" placeholder="my-secret" pattern="[0-9a-zA-Z-]{1,127}"
                    helper-text="1-127 of 0-9, a-z, A-Z, -"></vaadin-text-field>
                <vaadin-password-field id="secret-value" label="Value" helper-text="stored, never shown again"
                    autocomplete="off"></vaadin-password-field>
                <vaadin-button id="set-secret" theme="primary" ?disabled="${this._busy}" @click="${this._setSecret}">Set</vaadin-button>
            </div>
            <h3>Secrets</h3>
            <div class="message">${v.message}</div>
            <table id="secrets">
                <thead><tr><th>Name</th><th>Enabled</th><th>Updated</th><th>Content type</th><th></th></tr></thead>
                <tbody>
                ${v.secrets.map(s => html`
                    <tr data-secret="${s.name}">
                        <td><code>${s.name}</code></td>
                        <td>${s.enabled ? 'yes' : 'no'}</td>
                        <td>${s.updated ?? ''}</td>
                        <td>${s.contentType ?? ''}</td>
                        <td><vaadin-button theme="tertiary error small" ?disabled="${this._busy}"
                                @click="${() => this._deleteSecret(s.name)}">Delete</vaadin-button></td>
                    </tr>`)}
                </tbody>
            </table>`;
    }

    _renderMessage() {
        if (!this._message) {
            return html``;
        }
        return html`<div id="message" class="message ${this._failed ? 'error' : 'ok'}">${this._message}</div>`;
    }
}
customElements.define('qwc-kvconfig-dev-vault', QwcKvconfigDevVault);
