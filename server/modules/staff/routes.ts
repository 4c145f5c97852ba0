import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';

import { requestContext } from '../../http/context.js';
import type { AdminService } from './admin-service.js';
import { ABSOLUTE_MS, type AuthService } from './auth-service.js';
import { presentedCredential, sessionCookie, staffOf } from './authenticate.js';
import {
  accountParams,
  accountResponse,
  accountsResponse,
  countResponse,
  createAccountBody,
  enrolmentCompleteBody,
  enrolmentStartBody,
  grantsResponse,
  grantView,
  linkResponse,
  listAccountsQuery,
  loginBody,
  loginResponse,
  meResponse,
  scopeBody,
  setGrantsBody,
  stepUpBody,
} from './schemas.js';

const tags = ['staff'];

export function staffRoutes({
  auth,
  admin,
  authenticate,
  tls,
}: {
  auth: AuthService;
  admin: AdminService;
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  tls: boolean;
}): FastifyPluginCallbackZod {
  const token = (request: FastifyRequest) => presentedCredential(request, tls)?.token ?? '';

  return (app, _options, done) => {
    app.post(
      '/api/v1/staff/auth/login',
      {
        schema: {
          tags,
          summary: 'Staff login: password and TOTP code',
          body: loginBody,
          response: { 200: loginResponse },
        },
      },
      async (request, reply) => {
        const presented = presentedCredential(request, tls);
        const result = await auth.login(
          request.body,
          requestContext(request),
          presented?.kind === 'cookie' ? presented.token : null,
        );
        if (result.status === 'reset-required') return result;
        if (request.body.mode === 'cookie') {
          void reply.header('set-cookie', sessionCookie(tls, result.token, ABSOLUTE_MS / 1000));
          return {
            status: result.status,
            csrfToken: result.csrfToken ?? '',
            expiresAt: result.expiresAt,
          };
        }
        return { status: result.status, token: result.token, expiresAt: result.expiresAt };
      },
    );

    app.post(
      '/api/v1/staff/auth/logout',
      { schema: { tags, summary: 'End this session or token' }, preHandler: authenticate },
      async (request, reply) => {
        await auth.logout(token(request), staffOf(request), requestContext(request));
        void reply.header('set-cookie', sessionCookie(tls, '', 0));
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/v1/staff/auth/step-up',
      {
        schema: {
          tags,
          summary: 'Confirm a fresh TOTP code for sensitive actions',
          body: stepUpBody,
        },
        preHandler: authenticate,
      },
      (request) =>
        auth.stepUp(token(request), staffOf(request), request.body.code, requestContext(request)),
    );

    app.get(
      '/api/v1/staff/auth/me',
      {
        schema: { tags, summary: 'The signed-in staff member', response: { 200: meResponse } },
        preHandler: authenticate,
      },
      (request) => {
        const staff = staffOf(request);
        return {
          id: staff.id,
          grants: staff.grants.map(grantView),
          secondFactorAt: staff.secondFactorAt,
        };
      },
    );

    app.post(
      '/api/v1/staff/enrolment/start',
      {
        schema: {
          tags,
          summary: 'Open a one-time enrolment link: returns a new TOTP secret',
          body: enrolmentStartBody,
        },
      },
      (request) => auth.startEnrolment(request.body.token, requestContext(request)),
    );

    app.post(
      '/api/v1/staff/enrolment/complete',
      {
        schema: {
          tags,
          summary: 'Set your password and confirm the TOTP secret; spends the link',
          body: enrolmentCompleteBody,
        },
      },
      (request) => auth.completeEnrolment(request.body, requestContext(request)),
    );

    app.post(
      '/api/v1/staff/accounts',
      {
        schema: {
          tags,
          summary: 'Create a staff account below your jurisdiction; returns its enrolment link',
          body: createAccountBody,
          response: { 201: linkResponse },
        },
        preHandler: authenticate,
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await admin.createAccount(staffOf(request), request.body, requestContext(request))),
    );

    app.get(
      '/api/v1/staff/accounts',
      {
        schema: {
          tags,
          summary: 'The accounts inside a place you administer that you may manage',
          querystring: listAccountsQuery,
          response: { 200: accountsResponse },
        },
        preHandler: authenticate,
      },
      async (request) => {
        const accounts = await admin.list(staffOf(request), request.query, requestContext(request));
        return { accounts: accounts.map((a) => ({ ...a, grants: a.grants.map(grantView) })) };
      },
    );

    app.get(
      '/api/v1/staff/accounts/:id',
      {
        schema: {
          tags,
          summary: 'One staff account',
          params: accountParams,
          response: { 200: accountResponse },
        },
        preHandler: authenticate,
      },
      async (request) => {
        const account = await admin.account(staffOf(request), request.params.id);
        return { ...account, grants: account.grants.map(grantView) };
      },
    );

    app.put(
      '/api/v1/staff/accounts/:id/grants',
      {
        schema: {
          tags,
          summary: "Replace an account's roles",
          params: accountParams,
          body: setGrantsBody,
          response: { 200: grantsResponse },
        },
        preHandler: authenticate,
      },
      async (request) => {
        const { grants } = await admin.setGrants(
          staffOf(request),
          request.params.id,
          request.body.grants,
          requestContext(request),
        );
        return { grants: grants.map(grantView) };
      },
    );

    app.post(
      '/api/v1/staff/accounts/:id/credentials-reset',
      {
        schema: {
          tags,
          summary: 'Void the credentials and issue a new enrolment link (step-up)',
          params: accountParams,
          response: { 200: linkResponse },
        },
        preHandler: authenticate,
      },
      (request) =>
        admin.resetCredentials(staffOf(request), request.params.id, requestContext(request)),
    );

    app.post(
      '/api/v1/staff/accounts/:id/disable',
      {
        schema: { tags, summary: 'Disable an account; its sessions end', params: accountParams },
        preHandler: authenticate,
      },
      (request) => admin.disable(staffOf(request), request.params.id, requestContext(request)),
    );

    app.post(
      '/api/v1/staff/accounts/:id/unlock',
      {
        schema: { tags, summary: 'End a login lock early', params: accountParams },
        preHandler: authenticate,
      },
      (request) => admin.unlock(staffOf(request), request.params.id, requestContext(request)),
    );

    app.post(
      '/api/v1/staff/sessions/revoke',
      {
        schema: {
          tags,
          summary: 'End the sessions of one account, a jurisdiction, or everyone',
          body: scopeBody,
          response: { 200: countResponse },
        },
        preHandler: authenticate,
      },
      (request) => admin.revokeSessions(staffOf(request), request.body, requestContext(request)),
    );

    app.post(
      '/api/v1/staff/force-reset',
      {
        schema: {
          tags,
          summary: 'Force a password and second-factor reset (step-up)',
          body: scopeBody,
          response: { 200: countResponse },
        },
        preHandler: authenticate,
      },
      (request) => admin.forceReset(staffOf(request), request.body, requestContext(request)),
    );

    done();
  };
}
